import { chatMessage } from "./chat-log.ts";
import { RateLimiter } from "../../rate-limit.ts";
import { realClock } from "../../clock.ts";
import { type Hub, reply } from "./hub.ts";
import type { RobotLive } from "./robot-state.ts";
import type { RobotRecord } from "../store/robot-record.ts";
import { roomOf } from "./rooms.ts";
import type { ClientSocket } from "./socket-server.ts";
import { relayCustomEvent } from "./viewer-clicks.ts";
import { type ViewerSession, viewerSession } from "./viewer-session.ts";
import { isRefusal, parseChat, parseCommand, parseRobotId, type Refusal, refuse, shown } from "./viewer-messages.ts";

/** Per-user budgets (per second, and the burst allowed before the rate applies); 0 = no limit. */
export interface ViewerLimits {
  commandsPerSecond: number;
  commandBurst: number;
  chatPerSecond: number;
  chatBurst: number;
  /** Any inbound event of one socket (lib/server/guard.ts). */
  eventsPerSecond: number;
  eventBurst: number;
}

export const defaultViewerLimits: ViewerLimits = { commandsPerSecond: 10, commandBurst: 20, chatPerSecond: 1, chatBurst: 5, eventsPerSecond: 30, eventBurst: 60 };

/** A held button's repeated `down` closer together than this is spam, not a refresh (pages refresh every ~150 ms). */
const minRefreshMs = 100;

/** The viewer side: commands and chat (validated, rate-limited per user, only to the addressed robot), and watching a robot. */
export function viewerEvents(hub: Hub, limits: ViewerLimits = defaultViewerLimits): (socket: ClientSocket) => void {
  const commands = new RateLimiter({ burst: limits.commandBurst, perSecond: limits.commandsPerSecond }, realClock.now);
  // releases, and the repeated "down" of a button still held (the page refreshes a hold every ~150 ms), are never
  // held back by the command budget (a dropped "up" leaves a robot driving; a dropped refresh cuts a hold), but are bounded too
  const releases = new RateLimiter({ burst: limits.commandBurst * 2, perSecond: limits.commandsPerSecond * 2 }, realClock.now);
  const chats = new RateLimiter({ burst: limits.chatBurst, perSecond: limits.chatPerSecond }, realClock.now);
  const clicks = new RateLimiter({ burst: 10, perSecond: 5 }, realClock.now);

  return (socket) => {
    let session: ViewerSession | undefined;
    const me = () => (session ??= viewerSession(socket, hub));
    // limits follow the server's session (an owner's, across all their sessions), never a name a guest typed
    let key: string | undefined;
    const userKey = () => (key ??= me().owner ? `owner:${me().owner}` : `session:${me().session.id}`);
    let watching: string | undefined;
    /** Commands this socket holds down (robot id + command → last `down`): a repeat ≥ 100 ms later is a refresh. */
    const held = new Map<string, { at: number; robotId: string; command: string }>();
    /** Exclusive control and anonymous driving, for commands and clicks alike. */
    const mayDrive = (robot: RobotRecord): Refusal | undefined => {
      const user = me();
      const exclusive = hub.liveOf(robot.id).exclusive;
      if (exclusive && user.owner !== robot.owner && !holdsExclusive(exclusive, user)) return refuse("not_allowed", `${exclusive.user} has exclusive control of ${robot.name}`);
      if (user.anonymous && !robot.settings.anonymous_control) return refuse("not_allowed", `${robot.name} does not take commands from anonymous viewers: connect with a name`);
      return undefined;
    };

    socket.on("custom_event", (data, ack) => relayCustomEvent(hub, socket, { user: me(), userKey: userKey(), limiter: clicks, mayDrive }, data, ack));

    socket.on("command_to_robot", (data, ack) => {
      const request = parseCommand(data);
      if (isRefusal(request)) return reply(socket, "command_to_robot", ack, request);
      const robot = hub.store.robot(request.robotId);
      if (!robot) return reply(socket, "command_to_robot", ack, refuse("unknown_robot", `no robot ${request.robotId} on this server`));
      const user = me();
      const denied = mayDrive(robot);
      if (denied) return reply(socket, "command_to_robot", ack, denied);
      // only a held button (down, then up) has a hold to look up; a plain press builds no key
      const hold = request.keyPosition === "" ? "" : `${robot.id}/${request.command}`;
      const refresh = request.keyPosition === "down" && hub.now() - (held.get(hold)?.at ?? Infinity) >= minRefreshMs;
      const bucket = request.keyPosition === "up" || refresh ? releases : commands;
      if (!bucket.take(userKey())) {
        return reply(socket, "command_to_robot", ack, refuse("rate_limited", `too many commands: at most ${bucket.perSecond} per second`));
      }
      const command = { robot_id: robot.id, command: request.command, key_position: request.keyPosition, user: user.name, anonymous: user.anonymous };
      if (!hub.toControl(robot.id, "command_to_robot", command)) {
        return reply(socket, "command_to_robot", ack, refuse("robot_offline", `${robot.name} is not connected`));
      }
      if (request.keyPosition === "up") held.delete(hold);
      else if (request.keyPosition === "down" && (held.has(hold) || held.size < 16)) held.set(hold, { at: hub.now(), robotId: robot.id, command: request.command });
      reply(socket, "command_to_robot", ack, { ok: true, at: hub.now() });
    });

    socket.on("chat_message", (data, ack) => {
      const request = parseChat(data);
      if (isRefusal(request)) return reply(socket, "chat_message", ack, request);
      const robot = hub.store.robot(request.robotId);
      if (!robot) return reply(socket, "chat_message", ack, refuse("unknown_robot", `no robot ${request.robotId} on this server`));
      if (!chats.take(userKey())) return reply(socket, "chat_message", ack, refuse("rate_limited", `too many messages: at most ${chats.perSecond} per second`));
      const message = chatMessage(robot, me(), request.message, hub.now());
      hub.chat.add(message);
      hub.emit(roomOf("chat", robot.id), "chat_message_with_name", message);
      hub.emit(roomOf("viewers", robot.id), "chat_message_with_name", message);
      reply(socket, "chat_message", ack, { ok: true, at: message.timestamp, _id: message._id, delivered: hub.receivers("chat", robot.id) });
    });

    socket.on("watch_robot", (data, ack) => {
      const raw = typeof data === "object" && data !== null ? (data as { robot_id?: unknown }).robot_id : data;
      const id = parseRobotId(raw);
      if (!id) return reply(socket, "watch_robot", ack, refuse("invalid", `watch_robot needs a robot id (digits), not ${shown(raw)}`));
      const robot = hub.store.robot(id);
      if (!robot) return reply(socket, "watch_robot", ack, refuse("unknown_robot", `no robot ${id} on this server`));
      if (watching && watching !== robot.id) {
        socket.leave(roomOf("viewers", watching));
        hub.publishState(watching);
      }
      watching = robot.id;
      socket.join(roomOf("viewers", robot.id));
      const user = me();
      reply(socket, "watch_robot", ack, {
        ok: true,
        at: hub.now(),
        you: { name: user.name, anonymous: user.anonymous, owner: user.owner === robot.owner, session: user.session.secret, ...(user.notice ? { notice: user.notice } : {}) },
        state: hub.state(robot.id),
        chat: hub.chat.recent(robot.id),
      });
      hub.publishState(robot.id);
    });

    socket.onDisconnect(() => {
      // a viewer that vanished mid-hold (closed tab, lost network) lets go now rather than at the dead-man
      for (const { robotId, command } of held.values()) {
        hub.emit(roomOf("control", robotId), "command_to_robot", { robot_id: robotId, command, key_position: "up", user: me().name, anonymous: me().anonymous });
      }
      if (session) hub.guests.close(session.session, socket.id);
      if (watching) hub.publishState(watching);
    });
  };
}

/**
 * Exclusive control is given to a name and bound to the session that held it then (or, when nobody held it,
 * to the first session that drives under it): another viewer who takes the name later does not get control.
 */
function holdsExclusive(exclusive: NonNullable<RobotLive["exclusive"]>, user: ViewerSession): boolean {
  if (user.anonymous || exclusive.user.toLowerCase() !== user.name.toLowerCase()) return false;
  exclusive.session ??= user.session.id;
  return exclusive.session === user.session.id;
}
