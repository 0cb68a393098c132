import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";

/**
 * A minimal LetsRobot-style info server for platform-client tests: real HTTP + real socket.io 4 (allowEIO3)
 * on 127.0.0.1, with lookup answers a test can override to reproduce each real-world quirk.
 */
export interface FakePlatform {
  url: string;
  port: number;
  /** Path → JSON body (or a function giving status and raw body). */
  routes: Map<string, unknown>;
  requests: string[];
  close(): Promise<void>;
}

type RawAnswer = { status: number; body: string };

export async function startFakePlatform(): Promise<FakePlatform> {
  const routes = new Map<string, unknown>();
  const requests: string[] = [];
  const http: HttpServer = createServer((req, res) => {
    const path = req.url ?? "/";
    requests.push(path);
    const key = [...routes.keys()].find((k) => path === k || path.split("?")[0] === k);
    const answer = key === undefined ? undefined : routes.get(key);
    if (answer === undefined) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    const raw = typeof answer === "function" ? (answer as () => RawAnswer)() : { status: 200, body: JSON.stringify(answer) };
    res.writeHead(raw.status, { "content-type": "application/json" }).end(raw.body);
  });
  const io = new Server(http, { allowEIO3: true });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const port = (http.address() as AddressInfo).port;
  const host = "127.0.0.1";
  // Quirks on purpose: string ports, `port` where clients read `mpeg_stream_port`, no xres.
  routes.set("/get_control_host_port/100", { host, port: String(port) });
  routes.set("/get_chat_host_port/100", { host, port });
  routes.set("/get_websocket_relay_host/200", { host });
  routes.set("/get_video_port/200", { mpeg_stream_port: String(port) });
  routes.set("/get_audio_port/200", { port });
  routes.set("/get_robot_owner/100", { owner: "alice" });
  routes.set("/api/v1/robots/100", { robot_name: "testbot", mic_enabled: true });
  routes.set("/api/v1/accounts/alice", { moderators: ["bob", 7, "carol"] });
  return {
    url: `http://${host}:${port}`,
    port,
    routes,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        io.close();
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}
