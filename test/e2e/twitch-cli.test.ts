import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { runProcess } from "../../lib/process/run.ts";
import { cleanEnv, runCli } from "../helpers/cli.ts";
import { type FakePlatform, startFakePlatform } from "../helpers/fake-platform.ts";
import { type NginxRtmp, startNginxRtmp } from "../helpers/nginx-rtmp.ts";
import { type Sink, startSink } from "../media/sink.ts";
import { spawnRun } from "../robot/run-process.ts";
import { selfSignedIdentity } from "../../lib/server/tls/identity.ts";
import { connect as tcpConnect } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The Twitch broadcast as a user drives it: the compiled binary's stream, probe --rtmp, doctor and --dry-run. */
const TWITCH_KEY = "live_987654321_ZYXWVUTSRQPONMLKJIHGFEDCBA";
const RELAY_KEY = "cli-relay-s3cret";
let nginx: NginxRtmp;
let platform: FakePlatform;
let video: Sink;
let audio: Sink;

beforeAll(async () => {
  nginx = await startNginxRtmp();
  platform = await startFakePlatform();
  video = startSink(RELAY_KEY);
  audio = startSink(RELAY_KEY);
  platform.routes.set("/get_video_port/200", { mpeg_stream_port: video.port });
  platform.routes.set("/get_audio_port/200", { audio_stream_port: audio.port });
});

afterAll(async () => {
  await Promise.all([nginx.stop(), platform.close(), video.stop(), audio.stop()]);
});

const env = (extra: Record<string, string> = {}) =>
  cleanEnv({ LETSROBOT_TWITCH_STREAM_KEY: TWITCH_KEY, LETSROBOT_TWITCH_INGEST: nginx.ingest, LETSROBOT_PLATFORM_STREAM_KEY: RELAY_KEY, LETSROBOT_VIDEO_WIDTH: "320", LETSROBOT_VIDEO_HEIGHT: "240", LETSROBOT_TWITCH_VIDEO_BITRATE_KBPS: "500", ...extra });

describe("letsrobot and the Twitch broadcast (compiled binary; run from source)", () => {
  test("stream sends the relay streams and the broadcast at once; the key is in no output and no process listing", async () => {
    const running = runCli(["stream", "--server", platform.url, "--robot-id", "100", "--camera-id", "200", "--seconds", "8"], { env: env(), timeoutMs: 30000 });
    await video.waitFor("/KEY/320/240/", 20000, 15000);
    const listing = await runProcess("ps", ["-eo", "args"]);
    expect(listing.stdout).toContain("pipe:3");
    expect(listing.stdout).not.toContain(TWITCH_KEY);
    const result = await running;
    expect(result.code).toBe(0);
    expect(result.stdout + result.stderr).not.toContain(TWITCH_KEY);
    expect(result.stderr).toContain(`publishing to ${nginx.ingest}`);
    const [file] = nginx.recordings();
    const probed = await runProcess("ffprobe", ["-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0", file as string]);
    expect(probed.stdout.split("\n").filter(Boolean).sort()).toEqual(["aac", "h264"]);
    expect(audio.total("/KEY/640/480/")).toBeGreaterThan(0);
  }, 40000);

  test("stream --dry-run shows the broadcast with the key redacted", async () => {
    const result = await runCli(["stream", "--dry-run"], { env: env() });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`# broadcast: H.264 (libx264, 320x240, 500 kbit/s CBR) + AAC from fd 3 of the processes above → RTMP ${nginx.ingest}/***`);
    expect(result.stdout).toContain("pipe:3");
    expect(result.stdout + result.stderr).not.toContain(TWITCH_KEY);
  });

  test("probe --rtmp handshakes with the ingest (text and --json), and says plainly when nothing answers", async () => {
    const ok = await runCli(["probe", "--rtmp", nginx.ingest]);
    expect([ok.code, ok.stdout]).toEqual([0, expect.stringContaining("RTMP handshake and connect ok")]);
    const json = await runCli(["probe", "--rtmp", nginx.ingest, "--json"]);
    expect(JSON.parse(json.stdout)).toMatchObject({ rtmp: nginx.ingest, ok: true });
    const refused = await runCli(["probe", "--rtmp", "rtmp://127.0.0.1:1/live"]);
    expect(refused.code).toBe(20);
    expect(refused.stderr).toContain("127.0.0.1:1 refused the connection");
    const bad = await runCli(["probe", "--rtmp", "http://127.0.0.1/live"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("not an rtmp:// or rtmps:// address");
  }, 20000);

  test("doctor reports a malformed key as a failing required check, and passes a good one whose ingest resolves", async () => {
    const bad = await runCli(["doctor", "--json"], { env: env({ LETSROBOT_TWITCH_STREAM_KEY: "live_12 pasted-with-a-space" }), timeoutMs: 30000 });
    const badCheck = (JSON.parse(bad.stdout).checks as { id: string; status: string; detail: string }[]).find((c) => c.id === "twitch");
    expect(bad.code).toBe(3);
    expect(badCheck?.status).toBe("fail");
    expect(badCheck?.detail).toContain("contains spaces or line breaks");
    expect(bad.stdout + bad.stderr).not.toContain("pasted-with-a-space");
    const good = await runCli(["doctor", "--json"], { env: env(), timeoutMs: 30000 });
    const goodCheck = (JSON.parse(good.stdout).checks as { id: string; status: string; detail: string }[]).find((c) => c.id === "twitch");
    expect(goodCheck).toMatchObject({ status: "pass", detail: `key present; ingest ${nginx.ingest} (127.0.0.1 is 127.0.0.1)` });
    expect(good.stdout).not.toContain(TWITCH_KEY);
  }, 40000);

  test("run --json reports the broadcast going live, and down (with why) when the ingest dies", async () => {
    const run = spawnRun(["--port", "0", "--json"], env({ LETSROBOT_TTS_ENABLED: "false" }));
    try {
      const live = await run.waitForJson<{ live: boolean; ingest: string }>((e) => e.type === "broadcast", 30_000);
      expect(live).toMatchObject({ live: true, ingest: nginx.ingest });
      await nginx.kill();
      const down = await run.waitForJson<{ live: boolean; detail: string }>((e) => e.type === "broadcast" && e.live === false, 10_000);
      expect(down.detail).toMatch(/127\.0\.0\.1:\d+ (closed|refused) the connection/);
      expect(run.lines.join("\n") + run.stderr()).not.toContain(TWITCH_KEY);
      expect(await run.interrupt()).toBe(130);
    } finally {
      await nginx.restart();
    }
  }, 60_000);

  test("probe --rtmp over rtmps:// (TLS in front of nginx-rtmp): passes when the certificate is trusted, names the problem when not", async () => {
    const identity = await selfSignedIdentity(mkdtempSync(join(tmpdir(), "letsrobot-rtmps-")), ["localhost", "127.0.0.1"], runProcess);
    const terminator = createTlsServer({ cert: identity.cert, key: identity.key }, (secure) => {
      const plain = tcpConnect({ host: "127.0.0.1", port: nginx.port });
      secure.pipe(plain).pipe(secure);
      const close = () => (secure.destroy(), plain.destroy());
      secure.on("error", close);
      plain.on("error", close);
    });
    await new Promise<void>((resolve) => terminator.listen(0, "127.0.0.1", resolve));
    try {
      const url = `rtmps://127.0.0.1:${(terminator.address() as { port: number }).port}/live`;
      const trusted = await runCli(["probe", "--rtmp", url], { env: cleanEnv({ NODE_EXTRA_CA_CERTS: identity.certPath }) });
      expect([trusted.code, trusted.stdout]).toEqual([0, expect.stringContaining("RTMP handshake and connect ok")]);
      const untrusted = await runCli(["probe", "--rtmp", url]);
      expect(untrusted.code).toBe(20);
      expect(untrusted.stderr).toContain("its TLS certificate is not trusted (self signed certificate)");
    } finally {
      terminator.close();
    }
  }, 30_000);
});
