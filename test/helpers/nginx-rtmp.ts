import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A real RTMP server for tests and benchmarks: Debian's nginx with libnginx-mod-rtmp, started with its own
 * config in a temp dir on 127.0.0.1 (no system-wide config), recording every published stream to FLV files.
 */
const NGINX_RTMP_MODULE = "/usr/lib/nginx/modules/ngx_rtmp_module.so";

export interface NginxRtmp {
  port: number;
  /** rtmp://127.0.0.1:PORT/live */
  ingest: string;
  /** Where recordings of the current run go (a new directory after each restart). */
  recordDir: string;
  pid: number;
  /** FLV files recorded so far in the current run. */
  recordings(): string[];
  /** SIGKILL (a crash): every connection drops at once. */
  kill(): Promise<void>;
  /** Start again on the same port, recording into a new directory. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export function nginxRtmpAvailable(): boolean {
  return existsSync(NGINX_RTMP_MODULE) && ["/usr/sbin/nginx", "/usr/bin/nginx"].some((p) => existsSync(p));
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function listening(port: number, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: "127.0.0.1", port });
      socket.once("connect", () => (socket.destroy(), resolve(true)));
      socket.once("error", () => resolve(false));
    });
    if (ok) return;
    await Bun.sleep(50);
  }
  throw new Error(`nginx did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`);
}

/** `record: false` (benchmarks) keeps nginx from writing every stream to disk. */
export async function startNginxRtmp(options: { record?: boolean } = {}): Promise<NginxRtmp> {
  const record = options.record ?? true;
  const dir = mkdtempSync(join(tmpdir(), "letsrobot-nginx-"));
  const port = await freePort();
  let run = 0;
  let recordDir = "";
  let child: ReturnType<typeof Bun.spawn> | undefined;

  async function start(): Promise<void> {
    run += 1;
    recordDir = join(dir, `record-${run}`);
    mkdirSync(recordDir);
    const conf = join(dir, "nginx.conf");
    writeFileSync(
      conf,
      [
        `load_module ${NGINX_RTMP_MODULE};`,
        "daemon off;",
        "master_process off;",
        `pid ${join(dir, "nginx.pid")};`,
        `error_log ${join(dir, "error.log")} warn;`,
        "events { worker_connections 64; }",
        "rtmp {",
        "  server {",
        `    listen 127.0.0.1:${port};`,
        "    chunk_size 4096;",
        "    application live {",
        "      live on;",
        ...(record ? ["      record all;", `      record_path ${recordDir};`, "      record_unique on;"] : []),
        "    }",
        "  }",
        "}",
      ].join("\n"),
    );
    const nginx = existsSync("/usr/sbin/nginx") ? "/usr/sbin/nginx" : "nginx";
    child = Bun.spawn([nginx, "-e", join(dir, "error.log"), "-p", dir, "-c", conf], { stdout: "ignore", stderr: "pipe" });
    await listening(port, 5000);
  }

  await start();
  return {
    port,
    ingest: `rtmp://127.0.0.1:${port}/live`,
    get recordDir() {
      return recordDir;
    },
    get pid() {
      return child?.pid ?? 0;
    },
    recordings: () => readdirSync(recordDir).filter((f) => f.endsWith(".flv")).map((f) => join(recordDir, f)),
    async kill() {
      child?.kill("SIGKILL");
      await child?.exited;
      child = undefined;
    },
    restart: start,
    async stop() {
      child?.kill("SIGQUIT");
      const exited = child?.exited;
      const timer = setTimeout(() => child?.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
      child = undefined;
    },
  };
}
