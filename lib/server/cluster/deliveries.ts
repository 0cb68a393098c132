import type { RedisLink } from "./redis.ts";

/**
 * Commands for a robot's sockets on another process: the process their viewer is on sends each event
 * straight to the member that counts sockets in the room, on that member's own channel. Deliveries of one
 * turn of the event loop go out as one publish per member, however many commands.
 */
export interface Deliveries {
  /** Queue an event for `members`' sockets in `room`. */
  send(members: string[], room: string, event: string, data: unknown): void;
  /** Start taking this process's deliveries, handing each to `deliver`. */
  receive(deliver: (room: string, event: string, data: unknown) => void): Promise<void>;
}

type Delivery = { room?: unknown; event?: unknown; data?: unknown };

const inboxOf = (member: string) => `letsrobot:node:${member}`;

export function createDeliveries(link: RedisLink, self: string): Deliveries {
  const outbox = new Map<string, Delivery[]>();
  const flush = () => {
    for (const [member, batch] of outbox) void link.publish(inboxOf(member), JSON.stringify(batch));
    outbox.clear();
  };
  return {
    send(members, room, event, data) {
      for (const member of members) {
        if (outbox.size === 0) setImmediate(flush);
        const batch = outbox.get(member);
        if (batch) batch.push({ room, event, data });
        else outbox.set(member, [{ room, event, data }]);
      }
    },
    receive: (deliver) =>
      link.subscribe(inboxOf(self), (raw) => {
        let batch: Delivery[];
        try {
          batch = JSON.parse(raw.toString("utf8"));
        } catch {
          return;
        }
        if (!Array.isArray(batch)) return;
        for (const d of batch) if (typeof d?.room === "string" && typeof d.event === "string") deliver(d.room, d.event, d.data);
      }),
  };
}
