import { LetsrobotError } from "../../errors.ts";
import { type Hub, reply } from "./hub.ts";
import { roomOf } from "./rooms.ts";
import { mergeSettings, parseButtons, type RobotRecord, validName } from "../store/robot-record.ts";
import type { ClientSocket } from "./socket-server.ts";
import { type Ack, parseRobotId, refuse, shown } from "./viewer-messages.ts";

/**
 * Owner actions over the same socket, for a socket that connected with `auth: {token: <owner token>}`
 * (query `token` for socket.io 2). Each takes `{robot_id, ...}` and is acknowledged like viewer events:
 * - `set_exclusive_control` `{robot_id, user: string | null}`: one viewer drives alone (null ends it)
 * - `remove_message` `{robot_id, message_id}`: robots get `message_removed`
 * - `update_robot` `{robot_id, settings?, buttons?, require_key?}`: robots get `robot_settings_changed`
 * - `set_moderators` `{robot_id, moderators: string[]}`: the owner's moderator list
 */
export function ownerActions(hub: Hub): (socket: ClientSocket) => void {
  /** A store that cannot save (full disk, damaged file) refuses the action; the server keeps running. */
  const saving = (event: string, robot: RobotRecord, run: () => Ack): Ack => {
    try {
      return run();
    } catch (error) {
      if (!(error instanceof LetsrobotError)) throw error;
      hub.log.warn(`${event} for ${robot.name} was not saved: ${error.message}`);
      return refuse("not_saved", `${error.message}${error.hint ? `; ${error.hint}` : ""}`);
    }
  };
  return (socket) => {
    const action = (event: string, run: (robot: RobotRecord, data: Record<string, unknown>) => Ack) => {
      socket.on(event, (data, ack) => {
        const o = typeof data === "object" && data !== null ? (data as Record<string, unknown>) : {};
        const id = parseRobotId(o.robot_id);
        const robot = id ? hub.store.robot(id) : undefined;
        if (!robot) return reply(socket, event, ack, refuse("unknown_robot", `no robot ${shown(o.robot_id)} on this server`));
        const token = socket.credential("token");
        if (token === undefined || hub.store.ownerByToken(token) !== robot.owner) {
          return reply(socket, event, ack, refuse("not_allowed", `${event} needs the owner token of ${robot.owner} (connect with auth {token})`));
        }
        reply(socket, event, ack, saving(event, robot, () => run(robot, o)));
      });
    };

    action("set_exclusive_control", (robot, o) => {
      const user = o.user ?? null;
      if (user !== null && (typeof user !== "string" || !/^[A-Za-z0-9_.-]{1,32}$/.test(user))) return refuse("invalid", "user must be a user name or null");
      hub.setExclusive(robot, user);
      hub.log.info(`exclusive control of ${robot.name}: ${user ?? "ended"}`);
      return { ok: true, at: hub.now() };
    });

    action("remove_message", (robot, o) => {
      if (typeof o.message_id !== "string") return refuse("invalid", "message_id must be the message's _id");
      if (!hub.chat.remove(robot.id, o.message_id)) return refuse("not_found", "no such message (already removed, or too old)");
      const event = { message_id: o.message_id, robot_id: robot.id };
      hub.emit(roomOf("chat", robot.id), "message_removed", event);
      hub.emit(roomOf("viewers", robot.id), "message_removed", event);
      return { ok: true, at: hub.now() };
    });

    action("update_robot", (robot, o) => {
      const settings = o.settings === undefined ? undefined : mergeSettings(robot.settings, o.settings);
      if (typeof settings === "string") return refuse("invalid", settings);
      const buttons = o.buttons === undefined ? undefined : parseButtons(o.buttons);
      if (typeof buttons === "string") return refuse("invalid", buttons);
      if (o.require_key !== undefined && typeof o.require_key !== "boolean") return refuse("invalid", "require_key must be true or false");
      const updated = hub.store.updateRobot(robot.id, { settings, buttons, requireKey: o.require_key as boolean | undefined });
      hub.settingsChanged(updated);
      return { ok: true, at: hub.now() };
    });

    action("set_moderators", (robot, o) => {
      const list = o.moderators;
      if (!Array.isArray(list) || list.length > 100 || !list.every((m) => typeof m === "string" && validName(m))) return refuse("invalid", "moderators must be a list of user names");
      hub.store.setModerators(robot.owner, list as string[]);
      return { ok: true, at: hub.now() };
    });
  };
}
