import { openViewers, paced, socketPool } from "../core/sockets.ts";
import type { ServeProcess } from "../core/serve.ts";

/**
 * Background load for the long L1 run: `viewers` socket.io viewers sending `commandsPerSecond` commands in
 * all to the robot (a stand-in robot socket counts them), and as many websocket viewers reading the video
 * relay, all on 127.0.0.1. Runs for `seconds` (bounded), then reports what was sent, received and refused.
 */
export interface ViewerLoad {
  /** Resolves when the commands have been sent; the sockets stay open until close(). */
  done: Promise<{ sent: number; received: number; refused: number; videoBytes: number }>;
  close(): void;
}

export async function startViewerLoad(serve: ServeProcess, videoUrl: string, options: { viewers: number; commandsPerSecond: number; seconds: number }): Promise<ViewerLoad> {
  const pool = socketPool(serve.url);
  const robot = await pool.open({ robot_key: serve.robot.robotKey });
  await new Promise((resolve) => robot.emit("robot_id", serve.robot.robotId, resolve));
  let received = 0;
  robot.on("command_to_robot", () => received++);
  const viewers = await openViewers(pool, options.viewers, "load");
  let videoBytes = 0;
  const video = Array.from({ length: options.viewers }, () => {
    const ws = new WebSocket(videoUrl);
    ws.binaryType = "arraybuffer";
    ws.onmessage = (event) => {
      videoBytes += (event.data as ArrayBuffer).byteLength;
    };
    return ws;
  });
  let refused = 0;
  const done = paced(options.commandsPerSecond, options.seconds, (seq) =>
    viewers[seq % viewers.length]?.emit("command_to_robot", { robot_id: serve.robot.robotId, command: "F", key_position: "down" }, (ack) => {
      if ((ack as { ok?: boolean } | undefined)?.ok === false) refused++;
    }),
  ).then((sent) => ({ sent, received, refused, videoBytes }));
  return {
    done,
    close() {
      for (const ws of video) ws.close();
      pool.closeAll();
    },
  };
}
