import type { RemoChannel } from "../remo/protocol.ts";
import type { ChatMessage } from "./chat-log.ts";
import type { RobotRecord } from "./robot-record.ts";

/**
 * What `serve` says to Remo-style robots, as pure functions of the platform's records. Each robot is its own
 * Remo "server" (`srv-{robot_id}`) with one channel (`chan-{robot_id}`, named like the robot) and one chat
 * (`chat-{robot_id}`), so a robot's channel list holds exactly its own channel.
 */
export const remoServerId = (robot: Pick<RobotRecord, "id">) => `srv-${robot.id}`;

export function remoChannel(robot: Pick<RobotRecord, "id" | "name">): RemoChannel {
  return { id: `chan-${robot.id}`, name: robot.name, chat: `chat-${robot.id}` };
}

/** The robot id inside `srv-…`, `chan-…` or `chat-…`; undefined for anything else. */
export function robotIdOf(remoId: string, kind: "srv" | "chan" | "chat"): string | undefined {
  const match = new RegExp(`^${kind}-([0-9]{1,20})$`).exec(remoId);
  return match?.[1];
}

/** The `command_to_robot` the hub emits to a robot's control room (see viewer-sockets.ts). */
interface HubCommand {
  command: string;
  key_position: string;
  user: string;
  anonymous: boolean;
}

/**
 * `BUTTON_COMMAND` for a command a viewer sent: built from the robot's **stored** button whose command it
 * names (case-insensitive), never from the viewer's text; undefined when no stored button has that command.
 * `key_position` is an extra field so held buttons and releases keep working for robots that read it.
 */
export function buttonCommand(robot: RobotRecord, sent: HubCommand) {
  const index = robot.buttons.findIndex((b) => b.command.toLowerCase() === sent.command.toLowerCase());
  const button = robot.buttons[index];
  if (!button) return undefined;
  return {
    user: { username: sent.user, anonymous: sent.anonymous },
    button: { id: `btn-${index}`, label: button.label, command: button.command.toLowerCase() },
    channel: remoChannel(robot).id,
    server: remoServerId(robot),
    key_position: sent.key_position,
  };
}

/** `MESSAGE_RECEIVED` for a viewer's chat message (`chat_message_with_name` on the LetsRobot side). */
export function messageReceived(robot: RobotRecord, message: ChatMessage, roles: { isOwner: boolean; isModerator: boolean }) {
  const end = message.message.indexOf("]");
  const channel = remoChannel(robot);
  return {
    id: message._id,
    message: (end >= 0 ? message.message.slice(end + 1) : message.message).trim(),
    sender: message.name,
    sender_id: message.name,
    anonymous: message.anonymous,
    channel_id: channel.id,
    chat_id: channel.chat,
    server_id: remoServerId(robot),
    type: "user",
    badges: [...(roles.isOwner ? ["owner"] : []), ...(roles.isModerator ? ["moderator"] : [])],
    time_stamp: message.timestamp,
  };
}
