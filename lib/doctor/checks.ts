import { lookup } from "node:dns/promises";
import { readFileSync, statfsSync, statSync } from "node:fs";
import { type Config, secretsOf } from "../config/schema.ts";
import { broadcastIngest, streamKeyProblem } from "../media/broadcast-plan.ts";
import { findCamera, findOnPath, findSoundCard, hardwareH264Encoder, hasPiCamera, listCameras, listSoundCards, PI_CAMERA_APPS } from "../media/devices.ts";
import { videoSourceKind } from "../media/sources.ts";
import { piCameraOutcome, powerOutcome } from "./pi.ts";
import { listSerialPorts } from "../hardware/ports.ts";
import { describeEngineIo, probeSocket } from "../net/handshake.ts";
import { identifyAsRobot } from "./identify.ts";
import { checkRemoServer } from "../remo/doctor.ts";
import { noSpeaker } from "../speech/speaker.ts";
import { infoUrl, probeLookups } from "../platform/client.ts";
import type { HostPort } from "../net/channel.ts";
import type { SocketFactory } from "../net/channel.ts";
import type { RunProcess } from "../process/run.ts";
import { h264EncoderOutcome } from "./h264.ts";

type Status = "pass" | "warn" | "fail" | "skip";

export interface CheckResult {
  id: string;
  title: string;
  status: Status;
  detail: string;
  hint?: string;
  /** A failing required check makes doctor exit 3. */
  required: boolean;
}

/** What the checks may look at. Roots are parameters so tests can point them at fixture trees. */
export interface DoctorContext {
  config?: Config;
  configError?: { message: string; hint?: string };
  configPath?: string;
  fetch: typeof fetch;
  runProcess: RunProcess;
  sysRoot: string;
  procRoot: string;
  devRoot: string;
  /** PATH, where the Pi camera program is looked for. */
  path: string;
  dataDir: string;
  now: () => Date;
  /** Resolves a host name (default: the system resolver); the broadcast check makes no other network call. */
  resolveHost?: (host: string) => Promise<string>;
  /** How long a host name may take to resolve (default 5000 ms). */
  resolveTimeoutMs?: number;
  /** socket.io clients, to identify as the robot and see whether the server accepts its key (absent: not checked). */
  sockets?: { v4: SocketFactory; v2: SocketFactory };
}

type Outcome = Omit<CheckResult, "id" | "title" | "required"> & { required?: boolean; key?: string; hosts?: Record<string, HostPort> };
interface Check {
  id: string;
  title: string;
  required: boolean;
  /** Reads settings only the config gives (server, keys, tts): skipped while the config is invalid. */
  needsConfig?: boolean;
  run(ctx: DoctorContext, earlier: CheckResult[]): Promise<Outcome | Outcome[]>;
}

const pass = (detail: string): Outcome => ({ status: "pass", detail });
/** The config file holds a secret (robot key, stream key, token) and users other than its owner may read it. */
function secretsReadableByOthers(path: string, config: Config): boolean {
  try {
    if ((statSync(path).mode & 0o077) === 0) return false;
    const text = readFileSync(path, "utf8");
    return secretsOf(config).some((secret) => text.includes(secret));
  } catch {
    return false;
  }
}

/** "control, chat, relay: the certificate is not trusted": failed lookups grouped by cause, each cause said once. */
function failuresByCause(failed: { name: string; error?: Error }[]): string {
  const names = new Map<string, string[]>();
  for (const r of failed) {
    const cause = r.error?.message ?? "failed";
    names.set(cause, [...(names.get(cause) ?? []), r.name]);
  }
  return [...names].map(([cause, which]) => `${which.join(", ")}: ${cause}`).join("; ");
}

const REMO_ONLY = "platform.protocol = remo: see the Remo server check";
const skip = (detail: string): Outcome => ({ status: "skip", detail });

async function ffmpegFeatures(ctx: DoctorContext): Promise<Outcome> {
  const version = await ctx.runProcess("ffmpeg", ["-hide_banner", "-version"], { timeoutMs: 5000 });
  if (version.missing || version.code !== 0) return { status: "fail", detail: "ffmpeg not found", hint: "install it: sudo apt-get install ffmpeg" };
  const [encoders, devices] = await Promise.all([
    ctx.runProcess("ffmpeg", ["-hide_banner", "-encoders"], { timeoutMs: 5000 }),
    ctx.runProcess("ffmpeg", ["-hide_banner", "-devices"], { timeoutMs: 5000 }),
  ]);
  const twitch = ctx.config?.twitch;
  const broadcast = twitch?.stream_key
    ? [
        [/\blibx264\b|\bh264_v4l2m2m\b/, encoders.stdout, "an H.264 encoder (twitch broadcast)"],
        [/\baac\b/, encoders.stdout, "aac encoder (twitch broadcast)"],
      ]
    : [];
  const missing = [
    [/\bmpeg1video\b/, encoders.stdout, "mpeg1video encoder"],
    [/\bmp2\b/, encoders.stdout, "mp2 encoder"],
    [/\bv4l2\b/, devices.stdout, "v4l2 input"],
    [/\balsa\b/, devices.stdout, "alsa input"],
    ...broadcast,
  ]
    .filter(([pattern, text]) => !(pattern as RegExp).test(text as string))
    .map(([, , name]) => name as string);
  const first = version.stdout.split("\n")[0]?.replace(/ Copyright.*/, "") ?? "ffmpeg";
  if (missing.length) return { status: "fail", detail: `${first}; missing ${missing.join(", ")}`, hint: "install Debian's full ffmpeg: sudo apt-get install ffmpeg" };
  return pass(`${first} with mpeg1video, mp2, v4l2, alsa${broadcast.length ? ", H.264, aac" : ""}`);
}

/** The broadcast's settings: key present and shaped right, ingest address valid and its host resolving. */
async function broadcastCheck(ctx: DoctorContext): Promise<Outcome> {
  const twitch = ctx.config?.twitch;
  if (!twitch?.stream_key) return skip("no twitch.stream_key: no broadcast");
  const fix = "paste the key from your Twitch dashboard (Settings → Stream) into letsrobot.toml or LETSROBOT_TWITCH_STREAM_KEY";
  const problem = streamKeyProblem(twitch.stream_key, twitch.ingest);
  if (problem) return { status: "fail", detail: problem, hint: fix };
  let host: string;
  try {
    host = broadcastIngest(ctx.config as Config).host;
  } catch (error) {
    return { status: "fail", detail: (error as Error).message, hint: (error as { hint?: string }).hint };
  }
  const resolve = ctx.resolveHost ?? (async (name: string) => (await lookup(name)).address);
  const limit = ctx.resolveTimeoutMs ?? 5000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${limit} ms`)), limit);
    });
    const address = await Promise.race([resolve(host), late]);
    return pass(`key present; ingest ${twitch.ingest} (${host} is ${address})`);
  } catch (error) {
    return { status: "fail", detail: `the ingest host ${host} does not resolve: ${(error as Error).message}`, hint: "check the network and DNS, or set twitch.ingest to a nearer Twitch ingest" };
  } finally {
    clearTimeout(timer);
  }
}

async function socketCheck(target: HostPort | undefined, name: string, ctx: DoctorContext): Promise<Outcome> {
  if (!target) return skip(`no ${name} host (lookup failed)`);
  const result = await probeSocket(target, { fetch: ctx.fetch, timeoutMs: ctx.config?.platform.timeout_ms ?? 5000 });
  if (!result.ok) return { status: "fail", detail: `${result.url}: ${result.error}`, hint: `check that the ${name} server at ${target.host}:${target.port} is running and reachable` };
  return pass(`${result.url} speaks ${describeEngineIo(result.engineIo)} (${Math.round(result.ms)} ms)`);
}

function lookedUp(earlier: CheckResult[], name: string): HostPort | undefined {
  const found = earlier.find((r) => r.id === "lookups") as (CheckResult & Pick<Outcome, "hosts">) | undefined;
  return found?.hosts?.[name];
}

export const checks: Check[] = [
  {
    id: "config",
    title: "config file valid",
    required: true,
    async run(ctx) {
      if (ctx.configError) return { status: "fail", detail: ctx.configError.message, hint: ctx.configError.hint };
      if (!ctx.configPath) return pass("no config file: embedded defaults (letsrobot init writes one)");
      if (ctx.config && secretsReadableByOthers(ctx.configPath, ctx.config)) {
        return { status: "warn", detail: `read ${ctx.configPath}; it holds keys that other users of this machine can read`, hint: `chmod 600 ${ctx.configPath}` };
      }
      return pass(`read ${ctx.configPath}`);
    },
  },
  {
    id: "lookups",
    needsConfig: true,
    title: "platform lookups",
    required: true,
    async run(ctx) {
      const platform = ctx.config?.platform;
      if (!platform?.server) return skip("no platform.server: `letsrobot run` starts the embedded local platform");
      if (platform.protocol === "remo") return skip(REMO_ONLY);
      if (!platform.robot_id) return { status: "fail", detail: "platform.robot_id is empty", hint: "set platform.robot_id, or pass --robot-id" };
      const results = await probeLookups(platform, { fetch: ctx.fetch });
      const failed = results.filter((r) => !r.ok && ["control", "chat", "relay", "video", "audio"].includes(r.name));
      const hosts: Record<string, HostPort> = {};
      for (const r of results) if (r.ok && (r.name === "control" || r.name === "chat")) hosts[r.name] = r.value as HostPort;
      const info = infoUrl(platform);
      hosts.app = { host: info.hostname, port: platform.app_port || Number(info.port || (info.protocol === "https:" ? 443 : 80)) };
      const slowest = Math.round(Math.max(...results.map((r) => r.ms)));
      const outcome: Outcome = failed.length
        ? {
            status: "fail",
            detail: failuresByCause(failed),
            hint: (failed[0]?.error as { hint?: string })?.hint ?? `check that ${info.host} is a LetsRobot info server`,
            hosts,
          }
        : { status: "pass", detail: `${results.length} lookups answered from ${info.host} (slowest ${slowest} ms)`, hosts };
      return outcome;
    },
  },
  {
    id: "sockets",
    needsConfig: true,
    title: "socket.io handshakes",
    required: true,
    async run(ctx, earlier) {
      if (!ctx.config?.platform.server) return skip("no platform.server configured");
      if (ctx.config.platform.protocol === "remo") return skip(REMO_ONLY);
      const outcomes = await Promise.all(["control", "chat", "app"].map((n) => socketCheck(lookedUp(earlier, n), n, ctx)));
      return outcomes.map((o, i) => ({ ...o, key: ["control", "chat", "app"][i] }));
    },
  },
  {
    id: "identity",
    needsConfig: true,
    title: "robot identity (key)",
    required: false,
    async run(ctx, earlier) {
      const platform = ctx.config?.platform;
      if (!platform?.server) return skip("no platform.server configured");
      if (platform.protocol === "remo") return skip(REMO_ONLY);
      const control = lookedUp(earlier, "control");
      const answer = control && ctx.sockets ? await identifyAsRobot(control, platform, { fetch: ctx.fetch, sockets: ctx.sockets }) : undefined;
      if (answer?.kind === "refused") {
        // what `run` would meet: an unhealthy robot that gets no commands
        return {
          status: "fail",
          required: true,
          detail: `the control server refused robot ${platform.robot_id}: ${answer.error}: ${answer.message}`,
          hint: "put the robot's key (from `letsrobot serve robot add`, or your platform's robot page) in platform.robot_key or LETSROBOT_PLATFORM_ROBOT_KEY",
        };
      }
      const warnings: string[] = [];
      if (answer?.kind === "silent") warnings.push("the control server did not acknowledge robot_id (old servers never do), so the key could not be checked");
      if (!platform.robot_key) warnings.push("no platform.robot_key: the robot identifies by id alone, so anyone who knows the id can impersonate it");
      try {
        // letsrobot serve publishes its own warnings (robots accepting key-less sockets); other servers answer 404
        const response = await ctx.fetch(new URL("/api/status", infoUrl(platform)), { signal: AbortSignal.timeout(platform.timeout_ms) });
        if (response.ok) {
          const status = (await response.json()) as { warnings?: unknown };
          const mine = Array.isArray(status.warnings) ? status.warnings.filter((w): w is string => typeof w === "string" && w.includes(`(${platform.robot_id})`)) : [];
          warnings.push(...mine);
        }
      } catch {
        // the lookups check reports an unreachable server
      }
      if (warnings.length === 0) return pass(answer?.kind === "accepted" ? "the control server accepted the robot and its key" : "robot key configured");
      return { status: "warn", detail: warnings.join("; "), hint: "put the key from `letsrobot serve robot add` in platform.robot_key, then `letsrobot serve robot set NAME --require-key`" };
    },
  },
  {
    id: "remo",
    needsConfig: true,
    title: "Remo server (robot key, channel)",
    required: true,
    async run(ctx) {
      const platform = ctx.config?.platform;
      if (platform?.protocol !== "remo") return skip("platform.protocol is not remo");
      const verdict = await checkRemoServer(platform, { fetch: ctx.fetch });
      return verdict.ok ? pass(verdict.detail) : { status: "fail", detail: verdict.detail, hint: verdict.hint };
    },
  },
  { id: "ffmpeg", title: "ffmpeg with MPEG-1/MP2/v4l2/alsa", required: true, run: (ctx) => ffmpegFeatures(ctx) },
  { id: "twitch", title: "Twitch broadcast (stream key, ingest)", required: true, needsConfig: true, run: (ctx) => broadcastCheck(ctx) },
  {
    id: "camera",
    title: "camera",
    required: false,
    async run(ctx) {
      const cameras = listCameras(ctx.sysRoot, ctx.devRoot);
      const devices = { cameras, piCamera: hasPiCamera(ctx.sysRoot), piCameraApp: findOnPath(PI_CAMERA_APPS, ctx.path) };
      if ((ctx.config ? videoSourceKind(ctx.config.video, devices) : devices.piCamera ? "libcamera" : "") === "libcamera") return piCameraOutcome(devices, ctx.runProcess);
      const wanted = ctx.config?.video.device;
      const list = cameras.map((c) => `${c.name} (${c.path})`).join(", ");
      if (wanted) {
        const camera = findCamera(cameras, wanted);
        if (!camera) return { status: "fail", required: true, detail: `camera "${wanted}" not found; found: ${list || "none"}`, hint: "plug the camera in, or set video.device to one of the names listed by `letsrobot camera --list`" };
        const grab = await ctx.runProcess("ffmpeg", ["-hide_banner", "-loglevel", "error", "-f", "v4l2", "-i", camera.path, "-frames:v", "1", "-f", "null", "-"], { timeoutMs: 8000 });
        if (grab.code !== 0) return { status: "fail", required: true, detail: `${camera.name}: cannot grab a frame: ${grab.stderr.trim().split("\n").pop()}`, hint: "close other programs using the camera" };
        return pass(`${camera.name} (${camera.path}) grabbed a frame`);
      }
      if (cameras.length === 0) return skip("no camera found; the robot streams a test pattern");
      return pass(`found ${list}; video.device not set, so the test pattern is streamed`);
    },
  },
  {
    id: "h264",
    title: "H.264 encoder",
    required: false,
    async run(ctx) {
      const encoders = await ctx.runProcess("ffmpeg", ["-hide_banner", "-encoders"], { timeoutMs: 5000 });
      const video = ctx.config?.video ?? { format: "mpeg1", encoder: "auto" };
      return h264EncoderOutcome(video, hardwareH264Encoder(listCameras(ctx.sysRoot, ctx.devRoot)), encoders.stdout);
    },
  },
  {
    id: "microphone",
    title: "microphone",
    required: false,
    async run(ctx) {
      const cards = listSoundCards(ctx.procRoot).filter((c) => c.capture);
      const wanted = ctx.config?.audio.device;
      const list = cards.map((c) => `${c.name} [${c.id}]`).join(", ");
      if (wanted && ctx.config?.audio.source !== "pulse") {
        const card = findSoundCard(cards, wanted);
        if (!card) return { status: "fail", required: true, detail: `microphone "${wanted}" not found; found: ${list || "none"}`, hint: "set audio.device to a card name listed by `letsrobot mic --list`" };
        return pass(`${card.name} [${card.id}]`);
      }
      if (cards.length === 0) return skip("no capture card found; the robot streams a test tone");
      return pass(`found ${list}; audio.device not set, so a test tone is streamed`);
    },
  },
  {
    id: "speech",
    needsConfig: true,
    title: "speaker and text-to-speech",
    required: false,
    async run(ctx) {
      const tts = ctx.config?.tts;
      if (!tts?.enabled || tts.engine === "none") return skip("tts disabled");
      const probe = tts.engine === "espeak-ng" ? ["espeak-ng", ["--version"]] : tts.engine === "pico" ? ["pico2wave", ["--help"]] : ["text2wave", ["-h"]];
      const result = await ctx.runProcess(probe[0] as string, probe[1] as string[], { timeoutMs: 5000 });
      if (result.missing) return { status: "warn", detail: `${tts.engine} not installed`, hint: `install it: sudo apt-get install ${tts.engine === "pico" ? "libttspico-utils" : tts.engine}` };
      const speakers = listSoundCards(ctx.procRoot).filter((c) => c.playback);
      if (tts.speaker && tts.speaker !== "default" && !findSoundCard(speakers, tts.speaker)) return { status: "warn", detail: `speaker "${tts.speaker}" not found`, hint: "set tts.speaker to a card name listed by `letsrobot mic --list`" };
      const silent = noSpeaker(tts, ctx.procRoot);
      // the same verdict `run` reaches: one warning at start, chat not spoken ("queued": false in --json)
      if (silent) return { status: "warn", detail: `${silent.message}; chat will not be spoken`, hint: silent.hint };
      return pass(`${tts.engine} ready; ${tts.output_dir ? `WAV files in ${tts.output_dir}` : speakers.length ? `speakers: ${speakers.map((s) => s.name).join(", ")}` : `speaker ${tts.speaker}`}`);
    },
  },
  {
    id: "serial",
    title: "serial ports",
    required: false,
    async run(ctx) {
      const ports = listSerialPorts(ctx.sysRoot, ctx.devRoot);
      const driver = ctx.config?.hardware.driver;
      const list = ports.map((p) => `${p.path}${p.vendorId ? ` [${p.vendorId}:${p.productId} ${p.product ?? ""}]`.trimEnd() : ""}`).join(", ");
      const needsPort = driver === "firmata" || driver === "serial";
      if (ports.length === 0) {
        return needsPort
          ? { status: "fail", required: true, detail: `hardware.driver = ${driver} but no serial port found`, hint: "plug the Arduino in by USB, or set hardware.driver = \"sim\"" }
          : skip(`no serial port found; hardware.driver = ${driver ?? "sim"} needs none`);
      }
      return pass(list);
    },
  },
  { id: "power", title: "power supply and temperature (Pi)", required: false, run: (ctx) => powerOutcome(ctx.runProcess) },
  {
    id: "clock",
    title: "system clock",
    required: false,
    async run(ctx) {
      const year = ctx.now().getUTCFullYear();
      if (year < 2024) return { status: "warn", detail: `clock says ${ctx.now().toISOString()}`, hint: "set the time (enable NTP: sudo timedatectl set-ntp true); TLS and logs need it" };
      return pass(ctx.now().toISOString());
    },
  },
  {
    id: "disk",
    title: "disk space for logs and data",
    required: false,
    async run(ctx) {
      try {
        const stats = statfsSync(ctx.dataDir);
        const freeMb = Math.round((stats.bavail * stats.bsize) / 1e6);
        if (freeMb < 100) return { status: "warn", detail: `${freeMb} MB free in ${ctx.dataDir}`, hint: "free some space: logs and recordings need at least 100 MB" };
        return pass(`${freeMb} MB free in ${ctx.dataDir}`);
      } catch (error) {
        return { status: "warn", detail: `cannot read free space of ${ctx.dataDir}: ${(error as Error).message}` };
      }
    },
  },
];

/** Run every check, in order, and return every result; nothing here decides the exit code. */
export async function runChecks(ctx: DoctorContext, list: Check[] = checks): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const check of list) {
    let outcomes: Outcome[];
    if (check.needsConfig && !ctx.config) {
      // not "no platform.server" or "tts disabled": the settings are unknown until the config is fixed
      results.push({ status: "skip", detail: "config invalid (see the config check)", id: check.id, title: check.title, required: check.required });
      continue;
    }
    try {
      const outcome = await check.run(ctx, results);
      outcomes = Array.isArray(outcome) ? outcome : [outcome];
    } catch (error) {
      outcomes = [{ status: "fail", detail: (error as Error).message, hint: (error as { hint?: string }).hint }];
    }
    for (const [i, o] of outcomes.entries()) {
      const id = o.key ? `${check.id}.${o.key}` : outcomes.length > 1 ? `${check.id}.${i}` : check.id;
      const title = o.key ? `${check.title}: ${o.key}` : check.title;
      results.push({ ...o, id, title, required: o.required ?? check.required });
    }
  }
  return results;
}
