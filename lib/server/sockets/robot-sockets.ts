import { type Hub, reply } from "./hub.ts";
import { type RobotRole, roomOf } from "./rooms.ts";
import type { ClientSocket } from "./socket-server.ts";
import { parseRobotId, refuse } from "./viewer-messages.ts";

/**
 * The robot side of the sockets. On the control socket a robot emits `robot_id`; on chat and app it emits
 * `identify_robot_id`. The key comes as socket.io `auth.robot_key` (v4) or query `robot_key` (v2).
 * An optional `role` (`control` | `chat` | `app`, auth or query) says which events a socket wants. Without
 * it, an `identify_robot_id` socket on the main port gets control, chat and app events (room `any:`): the
 * control and chat lookups name the same port, and letsrobot_unofficial identifies its control socket with
 * `identify_robot_id`. It keeps them until it reports video or charge status, which marks it as the app
 * socket. Sockets on the app port are app sockets. Every event is acknowledged when the client passes a callback.
 */
export function attachRobotEvents(socket: ClientSocket, hub: Hub): void {
  let robotId: string | undefined;
  const declared = socket.credential("role");
  let role: RobotRole = socket.viaAppPort ? "app" : declared === "control" || declared === "chat" || declared === "app" ? declared : "any";
  const said = { robotId: false, identify: false };
  const joined = new Set<string>();
  /** Join exactly the rooms that what the socket said and what it is call for (a socket in one room per kind gets each event once). */
  const syncRooms = (id: string) => {
    const rooms = new Set(said.robotId ? [roomOf("control", id)] : []);
    if (said.identify && role !== "any") rooms.add(roomOf(role, id));
    else if (said.identify) for (const kind of said.robotId ? (["chat", "app"] as const) : (["any"] as const)) rooms.add(roomOf(kind, id));
    for (const room of joined) if (!rooms.has(room)) socket.leave(room);
    for (const room of rooms) if (!joined.has(room)) socket.join(room);
    joined.clear();
    for (const room of rooms) joined.add(room);
  };

  const identify = (event: "robot_id" | "identify_robot_id") => (data: unknown, ack: ((reply: unknown) => void) | undefined) => {
    const id = parseRobotId(typeof data === "object" && data !== null ? (data as { robot_id?: unknown }).robot_id : data);
    if (!id) return reply(socket, event, ack, refuse("invalid", `${event} needs the robot id (digits)`));
    const robot = hub.store.robot(id);
    if (!robot) return reply(socket, event, ack, refuse("unknown_robot", `no robot ${id} on this server`));
    if (robotId && robotId !== id) return reply(socket, event, ack, refuse("not_allowed", `this socket already speaks for robot ${robotId}`));
    const key = socket.credential("robot_key");
    if (key !== undefined && !hub.store.robotKeyMatches(id, key)) {
      hub.log.warn(`a socket from ${socket.address} presented a wrong key for robot ${robot.name} (${id})`);
      return reply(socket, event, ack, refuse("bad_key", "wrong robot key"));
    }
    if (key === undefined && robot.requireKey) {
      hub.log.warn(`a socket from ${socket.address} named robot ${robot.name} (${id}) without its key; refused (require_key is on)`);
      return reply(socket, event, ack, refuse("key_required", "this robot requires its robot key (auth.robot_key or query robot_key)"));
    }
    // one "connected" line per robot, not one per socket (a robot opens control, chat and app sockets)
    const first = robotId === undefined && !hub.state(id).online;
    robotId = id;
    const live = hub.liveOf(id);
    live.lastSeen = hub.now();
    if (key === undefined) live.keyless.set(socket.id, socket);
    said[event === "robot_id" ? "robotId" : "identify"] = true;
    syncRooms(id);
    if (first) hub.log.info(`robot ${robot.name} (${id}) connected${key === undefined ? " without its key" : ""}`);
    reply(socket, event, ack, { ok: true, at: hub.now(), robot_id: id, name: robot.name });
    hub.publishState(id);
  };
  socket.on("robot_id", identify("robot_id"));
  socket.on("identify_robot_id", identify("identify_robot_id"));

  /** Status reports come from the app socket: from then on it gets no chat. */
  const report = (event: string, record: (data: Record<string, unknown>, id: string) => void) => {
    socket.on(event, (data, ack) => {
      if (!robotId) return reply(socket, event, ack, refuse("not_identified", `emit robot_id or identify_robot_id before ${event}`));
      if (typeof data !== "object" || data === null) return reply(socket, event, ack, refuse("invalid", `${event} needs an object`));
      record(data as Record<string, unknown>, robotId);
      if (role === "any") {
        role = "app";
        syncRooms(robotId);
      }
      hub.liveOf(robotId).lastSeen = hub.now();
      reply(socket, event, ack, { ok: true, at: hub.now() });
      hub.publishState(robotId);
    });
  };
  report("send_video_status", (d, id) => {
    hub.liveOf(id).videoStatus = { send_video_process_exists: d.send_video_process_exists === true, ffmpeg_process_exists: d.ffmpeg_process_exists === true, at: hub.now() };
  });
  report("charge_state", (d, id) => {
    hub.liveOf(id).charge = { charging: d.charging === true, at: hub.now() };
  });
  report("ip_information", (d, id) => {
    if (typeof d.ip === "string" && d.ip.length <= 64) hub.liveOf(id).ip = d.ip;
  });

  socket.onDisconnect(() => {
    if (!robotId) return;
    hub.liveOf(robotId).keyless.delete(socket.id);
    const state = hub.state(robotId);
    if (!state.online) hub.log.info(`robot ${hub.store.robot(robotId)?.name ?? robotId} (${robotId}) went offline`);
    hub.publishState(robotId);
  });
}
