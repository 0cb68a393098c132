import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { NetworkError } from "../errors.ts";
import type { RobotStatus } from "./events.ts";

export interface StatusServer {
  url: string;
  close(): Promise<void>;
}

/** GET /status on 127.0.0.1 → the robot's live status as JSON (for monitoring): 200 when healthy, else 503. */
export async function startStatusServer(port: number, status: () => RobotStatus): Promise<StatusServer> {
  const server = createServer((req, res) => {
    if (req.method !== "GET" || (req.url ?? "/").split("?")[0] !== "/status") {
      res.writeHead(404, { "content-type": "application/json" }).end('{"error":"not found; try /status"}\n');
      return;
    }
    const now = status();
    // 503 while unhealthy, so a plain HTTP check (curl -f, a load balancer) sees it without reading the body
    res.writeHead(now.healthy ? 200 : 503, { "content-type": "application/json", "cache-control": "no-store" }).end(`${JSON.stringify(now)}\n`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(new NetworkError(`cannot serve the status endpoint on 127.0.0.1:${port}: ${error.code ?? error.message}`, "set behaviour.status_port to a free port, or 0 to turn it off", { cause: error })),
    );
    server.listen(port, "127.0.0.1", resolve);
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/status`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
