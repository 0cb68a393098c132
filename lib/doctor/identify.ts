import type { Config } from "../config/schema.ts";
import { type SocketFactory, waitConnected } from "../net/channel.ts";
import { probeSocket } from "../net/handshake.ts";
import type { HostPort } from "../net/channel.ts";

/** What the control server said when doctor identified as the robot, as `run` does. */
export type IdentifyAnswer = { kind: "accepted" } | { kind: "refused"; error: string; message: string } | { kind: "silent" } | { kind: "unreachable"; detail: string };

/**
 * Connect to the control server as the robot (its key in auth, as `run` sends it), emit `robot_id` and read
 * the acknowledgement, then leave. Old servers that never acknowledge are `silent`, not refused.
 */
export async function identifyAsRobot(target: HostPort, platform: Config["platform"], deps: { fetch: typeof fetch; sockets: { v4: SocketFactory; v2: SocketFactory } }): Promise<IdentifyAnswer> {
  const timeoutMs = platform.timeout_ms;
  const probe = await probeSocket(target, { fetch: deps.fetch, timeoutMs });
  const factory = platform.socket_version === "2" || (platform.socket_version === "auto" && probe.ok && !probe.engineIo.includes(4)) ? deps.sockets.v2 : deps.sockets.v4;
  const auth: Record<string, string> = { role: "control", ...(platform.robot_key ? { robot_key: platform.robot_key } : {}) };
  const channel = factory({ url: `http://${target.host.includes(":") ? `[${target.host}]` : target.host}:${target.port}`, auth, reconnect: false, timeoutMs });
  try {
    await waitConnected(channel, timeoutMs);
    const reply = await new Promise<unknown>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), Math.min(timeoutMs, 1000)); // old servers never acknowledge
      channel.emit("robot_id", platform.robot_id, (answer) => {
        clearTimeout(timer);
        resolve(answer ?? {});
      });
    });
    if (reply === undefined) return { kind: "silent" };
    const answer = reply as { ok?: unknown; error?: unknown; message?: unknown };
    if (answer.ok !== false) return { kind: "accepted" };
    const text = (value: unknown, fallback: string) => (typeof value === "string" ? value.slice(0, 200) : fallback);
    return { kind: "refused", error: text(answer.error, "refused"), message: text(answer.message, "no reason given") };
  } catch (error) {
    return { kind: "unreachable", detail: (error as Error).message };
  } finally {
    channel.close();
  }
}
