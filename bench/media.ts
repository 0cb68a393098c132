/**
 * Encoder benchmarks (L2 and C1 in docs/performance.md), side by side in one run:
 *
 *   bun bench/media.ts [rounds=3] [cpu-seconds=20] [hold-seconds=10]
 *
 * L2 encoder hold: raw 640x480 frames are written to ffmpeg's stdin at 30 fps, each with its send time;
 *    the MPEG-TS coming out is watched for the moment each picture becomes decodable. Variants:
 *    - ours: the stream plan's encoder and muxer flags (low_delay encoder, PES length written, every packet
 *      flushed), stdout;
 *    - ffmpeg defaults: `-f mpegts -codec:v mpeg1video -bf 0` alone (PES length omitted, 32 KB buffering);
 *    - ours through letsrobot's POST (stdout → socket POST → loopback relay), measured at the relay;
 *    - ffmpeg POSTing directly to the same relay (the key would be in argv) — the latency cost of our design.
 * C1 encoder CPU: utime+stime from /proc/PID/stat of the video and audio encoders fed raw input in real
 *    time for cpu-seconds (after a 2 s warm-up), as % of one core.
 * Each round's p50/p99 (or CPU %) is printed; then median [min–max] over the rounds, with the targets.
 */
import { readFileSync } from "node:fs";
import { defaults } from "../lib/config/schema.ts";
import { startAttempt } from "../lib/media/ingest.ts";
import { audioOutputArgs, FFMPEG_GLOBAL, videoOutputArgs } from "../lib/media/plan.ts";
import { socketUploader } from "../lib/media/upload.ts";
import { type GroupChild, spawnGroup } from "../lib/process/group.ts";
import { cpuSeconds, PesWatcher, percentile, rawFrames, readClockTicks, summary } from "./media-probe.ts";

const rounds = Number(process.argv[2] ?? 3);
const cpuWindow = Number(process.argv[3] ?? 20);
const holdWindow = Number(process.argv[4] ?? 10);
const WIDTH = 640;
const HEIGHT = 480;
const FPS = 30;
const WARMUP_FRAMES = 30;

const config = defaults();
const rawIn = ["-f", "rawvideo", "-pix_fmt", "yuv420p", "-video_size", `${WIDTH}x${HEIGHT}`, "-framerate", String(FPS), "-i", "pipe:0"];
const ours = [...FFMPEG_GLOBAL, ...rawIn, ...videoOutputArgs(config.video, `scale=${WIDTH}:${HEIGHT}`)];
const plain = ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", ...rawIn, "-codec:v", "mpeg1video", "-b:v", "1000k", "-bf", "0", "-f", "mpegts"];

type Delivery = "stdout" | "letsrobot-post" | "direct-post";
interface Round {
  holdMs: number[];
  cpuPercent?: number;
  pictures: number;
  sent: number;
}

/** A loopback relay stand-in that watches what arrives. */
function startRelay(onChunk: (chunk: Uint8Array) => void) {
  return Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0,
    async fetch(request) {
      const reader = request.body?.getReader();
      for (;;) {
        const next = await reader?.read().catch(() => undefined);
        if (!next || next.done) break;
        onChunk(next.value);
      }
      return new Response("ok");
    },
  });
}

async function feedFrames(stdin: NonNullable<GroupChild["stdin"]>, frames: Uint8Array[], seconds: number, sentAt: number[]): Promise<void> {
  const start = performance.now() + 200;
  const total = Math.round(seconds * FPS);
  for (let k = 0; k < total; k++) {
    const due = start + (k * 1000) / FPS;
    const wait = due - performance.now();
    if (wait > 0) await Bun.sleep(wait);
    sentAt.push(performance.now());
    stdin.write(frames[k % frames.length] as Uint8Array);
    await stdin.flush();
  }
  await stdin.end();
}

async function videoRound(argv: string[], delivery: Delivery, frames: Uint8Array[], seconds: number, measureCpu: boolean): Promise<Round> {
  const watcher = new PesWatcher();
  const sentAt: number[] = [];
  let child: GroupChild | undefined;
  const spawnWithStdin: typeof spawnGroup = (args, options) => {
    child = spawnGroup(args, { ...options, stdin: "pipe" });
    return child;
  };
  const relay = delivery === "stdout" ? undefined : startRelay((chunk) => watcher.push(chunk));
  const url = relay ? `http://127.0.0.1:${relay.port}/benchkey/${WIDTH}/${HEIGHT}/` : "";
  let attempt: ReturnType<typeof startAttempt> | undefined;
  if (delivery === "letsrobot-post") {
    attempt = startAttempt({ kind: "video", source: "raw frames", argv: [...argv, "pipe:1"], url }, url, { spawn: spawnWithStdin, upload: socketUploader }, { progress: () => {}, line: () => {}, bytes: () => {} });
  } else {
    spawnWithStdin([...argv, delivery === "direct-post" ? url : "pipe:1"]);
  }
  const running = child as unknown as GroupChild;
  const drain =
    delivery === "stdout"
      ? (async () => {
          const reader = running.stdout.getReader();
          for (;;) {
            const next = await reader.read();
            if (next.done) break;
            watcher.push(next.value);
          }
        })()
      : delivery === "direct-post"
        ? new Response(running.stdout).arrayBuffer()
        : Promise.resolve();
  const errDrain = delivery === "letsrobot-post" ? Promise.resolve() : new Response(running.stderr).text();
  let cpu: number | undefined;
  const feeding = feedFrames(running.stdin as NonNullable<GroupChild["stdin"]>, frames, seconds, sentAt);
  if (measureCpu) {
    await Bun.sleep(2000);
    const [c0, t0] = [cpuSeconds(running.pid), performance.now()];
    await Bun.sleep((seconds - 3) * 1000);
    cpu = ((cpuSeconds(running.pid) - c0) / ((performance.now() - t0) / 1000)) * 100;
  }
  await feeding;
  await Promise.race([running.exited, Bun.sleep(3000)]);
  await attempt?.stop();
  await running.stop(1000);
  await Promise.race([Promise.all([drain, errDrain]), Bun.sleep(1000)]);
  relay?.stop(true);
  const n = Math.min(sentAt.length, watcher.completedAt.length);
  const holdMs: number[] = [];
  for (let k = WARMUP_FRAMES; k < n; k++) holdMs.push((watcher.completedAt[k] as number) - (sentAt[k] as number));
  return { holdMs, cpuPercent: cpu, pictures: watcher.completedAt.length, sent: sentAt.length };
}

async function audioCpuRound(seconds: number): Promise<number> {
  const argv = [...FFMPEG_GLOBAL, "-f", "s16le", "-ar", "44100", "-ac", "1", "-i", "pipe:0", ...audioOutputArgs(config.audio)];
  const child = spawnGroup(argv, { stdin: "pipe" });
  const drains = [new Response(child.stdout).arrayBuffer(), new Response(child.stderr).text()];
  const chunk = new Uint8Array(Int16Array.from({ length: 4410 }, (_, i) => Math.round(4000 * Math.sin((2 * Math.PI * 440 * i) / 44100))).buffer);
  const start = performance.now();
  let c0 = 0;
  let t0 = 0;
  for (let k = 0; k < seconds * 10; k++) {
    const wait = start + k * 100 - performance.now();
    if (wait > 0) await Bun.sleep(wait);
    if (k === 20) [c0, t0] = [cpuSeconds(child.pid), performance.now()];
    child.stdin?.write(chunk);
    await child.stdin?.flush();
  }
  const cpu = ((cpuSeconds(child.pid) - c0) / ((performance.now() - t0) / 1000)) * 100;
  await child.stdin?.end();
  await child.stop(1000);
  await Promise.race([Promise.all(drains), Bun.sleep(1000)]);
  return cpu;
}

const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : "-");
const range = (values: number[]) => {
  const s = summary(values);
  return `${fmt(s.median)} [${fmt(s.min)}–${fmt(s.max)}]`;
};

await readClockTicks();
const frames = await rawFrames(WIDTH, HEIGHT, 60);
const load = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
console.log(`media benchmark: ${rounds} rounds; ${WIDTH}x${HEIGHT}@${FPS} MPEG-1 at ${config.video.bitrate_kbps} kbit/s; ${navigator.hardwareConcurrency} cores; load average ${load()}`);
const variants: [string, string[], Delivery][] = [
  ["ours, stdout", ours.slice(0, -1), "stdout"],
  ["ffmpeg defaults, stdout", plain, "stdout"],
  ["ours via letsrobot POST → relay", ours.slice(0, -1), "letsrobot-post"],
  ["ffmpeg POSTs directly → relay", ours.slice(0, -1), "direct-post"],
];
const holds = new Map<string, { p50: number[]; p99: number[] }>(variants.map(([name]) => [name, { p50: [], p99: [] }]));
const cpuVideo: number[] = [];
const cpuAudio: number[] = [];
const cpuPlain: number[] = [];
for (let r = 1; r <= rounds; r++) {
  for (const [name, argv, delivery] of variants) {
    const first = name === "ours, stdout";
    const cpu = first || name === "ffmpeg defaults, stdout";
    const [round, audio] = await Promise.all([videoRound(argv, delivery, frames, cpu ? cpuWindow : holdWindow, cpu), first ? audioCpuRound(cpuWindow) : Promise.resolve(undefined)]);
    const p50 = percentile(round.holdMs, 50);
    const p99 = percentile(round.holdMs, 99);
    holds.get(name)?.p50.push(p50);
    holds.get(name)?.p99.push(p99);
    if (round.cpuPercent !== undefined) (first ? cpuVideo : cpuPlain).push(round.cpuPercent);
    if (audio !== undefined) cpuAudio.push(audio);
    const cpuText = round.cpuPercent !== undefined ? `  video CPU ${fmt(round.cpuPercent)} %${audio !== undefined ? `  audio CPU ${fmt(audio)} %` : ""}` : "";
    console.log(`round ${r}  ${name.padEnd(32)} hold p50 ${fmt(p50).padStart(6)} ms  p99 ${fmt(p99).padStart(6)} ms  (${round.pictures}/${round.sent} pictures)${cpuText}`);
  }
}

console.log(`\nL2 encoder hold, frame in → picture decodable (ms), median [min–max] over ${rounds} rounds; target p99 ≤ 45 ms`);
console.log(`${"variant".padEnd(34)}${"p50".padEnd(22)}p99`);
for (const [name, { p50, p99 }] of holds) console.log(`${name.padEnd(34)}${range(p50).padEnd(22)}${range(p99)}`);
const ourP99 = summary(holds.get("ours, stdout")?.p99 ?? []).median;
const plainP99 = summary(holds.get("ffmpeg defaults, stdout")?.p99 ?? []).median;
const viaPost = summary(holds.get("ours via letsrobot POST → relay")?.p50 ?? []).median;
const direct = summary(holds.get("ffmpeg POSTs directly → relay")?.p50 ?? []).median;
console.log(`ratio ours/defaults p99: ${(ourP99 / plainP99).toFixed(2)}; letsrobot POST − direct POST p50: ${fmt(viaPost - direct)} ms`);
console.log(`load average at the end: ${load()} (a busy machine inflates p99 first)`);
console.log(`\nC1 encoder CPU, % of one core over ${cpuWindow - 3} s, median [min–max] over ${rounds} rounds`);
console.log(`video (640x480@30, mpeg1video)  ${range(cpuVideo).padEnd(22)} target ≤ 5 %; ffmpeg defaults side by side ${range(cpuPlain)} (ratio ${(summary(cpuVideo).median / summary(cpuPlain).median).toFixed(2)})`);
console.log(`audio (44.1 kHz mono, mp2 32k)   ${range(cpuAudio).padEnd(22)} target ≤ 2 %`);
