import type { RemoChannel } from "../../remo/protocol.ts";
import type { ChatMessage } from "../sockets/chat-log.ts";
import type { RobotRecord } from "../store/robot-record.ts";

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
 * `key_position` is an extra field, sent only to robots that said they read it (see PressFilter).
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

/**
 * Which commands a stock Remo robot gets. Remo's own controller acts on every `BUTTON_COMMAND` and knows no key
 * positions, so a held button must reach it as ONE press: a tap (`""`) or the first `"down"` of a hold, never
 * the refreshes of a hold (`"down"` again before its `"up"`) nor the release. A hold with no refresh for
 * `holdMs` is over (its viewer vanished without a release). Robots that said they read `key_position`
 * (`AUTHENTICATE_ROBOT {token, key_position: true}`) get every command with its `key_position` instead.
 */
export class PressFilter {
  private readonly held = new Map<string, number>();

  constructor(private readonly holdMs = 5000) {}

  /** True when this command is a new press (and so goes to stock Remo robots). */
  isPress(robotId: string, sent: Pick<HubCommand, "command" | "key_position" | "user">, now: number): boolean {
    if (sent.key_position === "") return true;
    const key = `${robotId}\n${sent.user}\n${sent.command.toLowerCase()}`;
    if (sent.key_position === "up") {
      this.held.delete(key);
      return false;
    }
    const last = this.held.get(key);
    if (this.held.size >= 1000) for (const [k, at] of this.held) if (now - at > this.holdMs) this.held.delete(k);
    this.held.set(key, now);
    return last === undefined || now - last > this.holdMs;
  }
}
