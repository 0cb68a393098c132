import { lookup } from "node:dns/promises";
import { statfsSync } from "node:fs";
import type { Config } from "../config/schema.ts";
import { broadcastIngest, streamKeyProblem } from "../media/broadcast-plan.ts";
import { findCamera, findOnPath, findSoundCard, hardwareH264Encoder, hasPiCamera, listCameras, listSoundCards, PI_CAMERA_APPS } from "../media/devices.ts";
import { videoSourceKind } from "../media/sources.ts";
import { piCameraOutcome, powerOutcome } from "./pi.ts";
import { listSerialPorts } from "../hardware/ports.ts";
import { noSpeaker } from "../speech/speaker.ts";
import { h264EncoderOutcome } from "./h264.ts";
import { type Check, type DoctorContext, type Outcome, pass, skip } from "./check.ts";

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
/** This machine: ffmpeg, the Twitch broadcast's settings, camera, encoder, microphone, speech, serial ports, clock, disk. */
export const machineChecks: Check[] = [
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
