import { type Hub, reply } from "./hub.ts";
import type { RateLimiter } from "../../rate-limit.ts";
import { type RobotRecord, validCommand } from "../store/robot-record.ts";
import type { ClientSocket } from "./socket-server.ts";
import { type Refusal, parseRobotId, refuse, shown } from "./viewer-messages.ts";
import type { ViewerSession } from "./viewer-session.ts";

/**
 * `custom_event` `{robot_id, data}` from a viewer, relayed to the robot's control socket as
 * `{robot_id, data, user, anonymous}`. The LetsRobot page sent a click on the video this way
 * (`mousedown:X:Y`, X and Y 0..1 with five decimals). Only for robots whose owner turned `video_click` on;
 * `data` is a short printable word (letters, digits, `_ : . , + -`); the same driving rules as commands
 * (`mayDrive`) and its own rate limit per user.
 */
export function relayCustomEvent(
  hub: Hub,
  socket: ClientSocket,
  viewer: { user: ViewerSession; userKey: string; limiter: RateLimiter; mayDrive: (robot: RobotRecord) => Refusal | undefined },
  data: unknown,
  ack: ((reply: unknown) => void) | undefined,
): void {
  const o = typeof data === "object" && data !== null ? (data as { robot_id?: unknown; data?: unknown }) : undefined;
  const robotId = parseRobotId(o?.robot_id);
  if (!o || !robotId) return reply(socket, "custom_event", ack, refuse("invalid", "custom_event needs {robot_id, data}"));
  if (typeof o.data !== "string" || !validCommand(o.data)) return reply(socket, "custom_event", ack, refuse("invalid", `custom_event data must be 1-64 letters, digits or _ : . , + -, not ${shown(o.data)}`));
  const robot = hub.store.robot(robotId);
  if (!robot) return reply(socket, "custom_event", ack, refuse("unknown_robot", `no robot ${robotId} on this server`));
  if (!robot.settings.video_click) return reply(socket, "custom_event", ack, refuse("not_allowed", `${robot.name} takes no clicks on its video (its owner can turn video_click on)`));
  const denied = viewer.mayDrive(robot);
  if (denied) return reply(socket, "custom_event", ack, denied);
  if (!viewer.limiter.take(viewer.userKey)) return reply(socket, "custom_event", ack, refuse("rate_limited", `too many clicks: at most ${viewer.limiter.perSecond} per second`));
  const click = { robot_id: robot.id, data: o.data, user: viewer.user.name, anonymous: viewer.user.anonymous };
  if (!hub.toControl(robot.id, "custom_event", click)) return reply(socket, "custom_event", ack, refuse("robot_offline", `${robot.name} is not connected`));
  reply(socket, "custom_event", ack, { ok: true, at: hub.now() });
}
