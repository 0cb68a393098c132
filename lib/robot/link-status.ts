/** How a connector's sockets are doing, as status, events and health report it. */
export type LinkName = "control" | "chat" | "app" | "remo";
/** `refused`: connected, but the server refused the robot (wrong or missing robot key). */
export type LinkState = "connecting" | "connected" | "refused" | "down" | "closed";

export interface LinkStatus {
  name: LinkName;
  state: LinkState;
  connects: number;
  failures: number;
  /** ms since the server last said anything (ack or event). */
  silentMs?: number;
  /** True once the server has acked a ping: silence then means a dead connection. */
  acks: boolean;
  /** Why the server refused the robot (`bad_key: wrong robot key`), until it accepts it again. */
  refused?: string;
}
