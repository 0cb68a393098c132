import { type SocketChannel, waitConnected } from "../../lib/net/channel.ts";
import { connectSocket } from "../../lib/net/socket-client.ts";

/** socket.io viewers and a stand-in robot socket for the command benchmarks (all on 127.0.0.1). */
export interface Sockets {
  open(auth: Record<string, string>): Promise<SocketChannel>;
  closeAll(): void;
}

export function socketPool(url: string): Sockets {
  const opened: SocketChannel[] = [];
  return {
    async open(auth) {
      const socket = connectSocket({ url, auth, reconnect: false, timeoutMs: 5000 });
      opened.push(socket);
      await waitConnected(socket, 10_000);
      return socket;
    },
    closeAll() {
      for (const s of opened.splice(0)) s.close();
    },
  };
}

/** `count` named viewers, connected in batches so the accept queue is never flooded. */
export async function openViewers(pool: Sockets, count: number, prefix = "viewer"): Promise<SocketChannel[]> {
  const viewers: SocketChannel[] = [];
  for (let i = 0; i < count; i += 50) {
    const batch = Array.from({ length: Math.min(50, count - i) }, (_, k) => pool.open({ name: `${prefix}${i + k}` }));
    viewers.push(...(await Promise.all(batch)));
  }
  return viewers;
}

/**
 * Call `send(seq)` at `rate` per second for `seconds`, in 5 ms ticks (no timer per command); resolves with
 * the number sent. Bounded: stops at rate × seconds.
 */
export async function paced(rate: number, seconds: number, send: (seq: number) => void): Promise<number> {
  const total = Math.round(rate * seconds);
  const start = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate) + 1);
    while (sent < due) send(sent++);
    await Bun.sleep(5);
  }
  return sent;
}
