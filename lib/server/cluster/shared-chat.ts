import { type ChatMessage, ChatLog } from "../sockets/chat-log.ts";

/** A chat log change, as told to the other processes. */
export type ChatShare = { t: "chat"; from: string; message: ChatMessage } | { t: "unchat"; from: string; robot_id: string; message_id: string };

/** Chat log whose additions and removals are told to the other processes, from the moment this one joins. */
export class SharedChatLog extends ChatLog {
  constructor(private readonly tell: (share: ChatShare) => void) {
    super();
  }
  override add(message: ChatMessage): void {
    super.add(message);
    this.tell({ t: "chat", from: "", message });
  }
  override remove(robotId: string, messageId: string): boolean {
    const removed = super.remove(robotId, messageId);
    if (removed) this.tell({ t: "unchat", from: "", robot_id: robotId, message_id: messageId });
    return removed;
  }
  /** A change another process told. */
  adopt(share: ChatShare): void {
    if (share.t === "chat") super.add(share.message);
    else super.remove(share.robot_id, share.message_id);
  }
}
