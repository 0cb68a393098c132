import { newShortId } from "../store/credentials.ts";
import type { RobotRecord } from "../store/robot-record.ts";
import { nameColour } from "./viewer-messages.ts";

/** A chat message on the wire (`chat_message_with_name`), as robots and viewer pages receive it. */
export interface ChatMessage {
  name: string;
  /** `[robotname] text`: robots strip through the first `]`. */
  message: string;
  robot_id: string;
  room: string;
  non_global: boolean;
  username_color: string;
  anonymous: boolean;
  _id: string;
  /** Server time in epoch ms (extra field; old robots ignore it). */
  timestamp: number;
}

export function chatMessage(robot: RobotRecord, sender: { name: string; anonymous: boolean }, text: string, now: number): ChatMessage {
  return {
    name: sender.name,
    message: `[${robot.name}] ${text}`,
    robot_id: robot.id,
    room: robot.owner,
    non_global: true,
    username_color: nameColour(sender.name),
    anonymous: sender.anonymous,
    _id: newShortId(),
    timestamp: now,
  };
}

/** The last messages per robot, for pages that join late and for removal by moderators. */
export class ChatLog {
  private readonly byRobot = new Map<string, ChatMessage[]>();
  constructor(private readonly keep = 50) {}

  add(message: ChatMessage): void {
    const list = this.byRobot.get(message.robot_id) ?? [];
    list.push(message);
    if (list.length > this.keep) list.splice(0, list.length - this.keep);
    this.byRobot.set(message.robot_id, list);
  }

  recent(robotId: string): ChatMessage[] {
    return [...(this.byRobot.get(robotId) ?? [])];
  }

  /** Remove a message; false when it is not (or no longer) in the log. */
  remove(robotId: string, messageId: string): boolean {
    const list = this.byRobot.get(robotId);
    const index = list?.findIndex((m) => m._id === messageId) ?? -1;
    if (!list || index < 0) return false;
    list.splice(index, 1);
    return true;
  }
}
