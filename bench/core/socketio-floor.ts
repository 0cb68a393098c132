// The floor for C3: a bare socket.io 4 server (same transport options as lib/server/sockets/socket-server.ts) that
// forwards every viewer `command_to_robot` to the robot socket and acks it, with no validation, limits or
// lookups. Prints {url, port, robot} as one JSON line, then serves until SIGTERM.
// Usage: bun bench/core/socketio-floor.ts [DATA_DIR (unused)]
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server, type Socket } from "socket.io";

const http = createServer((_req, res) => res.writeHead(404).end());
const io = new Server(http, { allowEIO3: true, serveClient: false, maxHttpBufferSize: 64 * 1024, pingInterval: 10_000, pingTimeout: 10_000 });
let robot: Socket | undefined;
io.on("connection", (socket) => {
  socket.on("robot_id", (_id: unknown, ack?: (reply: unknown) => void) => {
    robot = socket;
    ack?.({ ok: true });
  });
  socket.on("command_to_robot", (data: unknown, ack?: (reply: unknown) => void) => {
    robot?.emit("command_to_robot", data);
    ack?.({ ok: true });
  });
});
await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
const port = (http.address() as AddressInfo).port;
process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}`, port, robot: { robotId: "1", cameraId: "1", streamKey: "", robotKey: "" } })}\n`);
for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => io.close(() => process.exit(0)));
