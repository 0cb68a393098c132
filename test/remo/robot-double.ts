/**
 * A Remo-style robot client written from docs/protocol.md section 2 (not from lib/remo): a plain websocket, JSON
 * `{e, d}` frames, AUTHENTICATE_ROBOT → ROBOT_VALIDATED, channel lookup over REST, JOIN_CHANNEL, GET_CHAT.
 * It records every frame it receives so tests can wait for the one they expect.
 */
interface Frame {
  e: string;
  d: unknown;
}

export interface RobotDouble {
  frames: Frame[];
  send(e: string, d: unknown): void;
  next(e: string, accept?: (d: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves with the close code once the server closed the socket. */
  closed: Promise<number>;
  close(): void;
}

export function openRobotDouble(wsUrl: string): Promise<RobotDouble> {
  const socket = new WebSocket(wsUrl);
  const frames: Frame[] = [];
  const waiters = new Set<() => void>();
  let resolveClosed!: (code: number) => void;
  const closed = new Promise<number>((r) => {
    resolveClosed = r;
  });
  socket.addEventListener("message", (event) => {
    frames.push(JSON.parse(String(event.data)) as Frame);
    for (const w of [...waiters]) w();
  });
  socket.addEventListener("close", (event) => resolveClosed(event.code));
  const double: RobotDouble = {
    frames,
    send: (e, d) => socket.send(JSON.stringify({ e, d })),
    next: (e, accept = () => true, timeoutMs = 5000) =>
      new Promise((resolve, reject) => {
        let seen = 0;
        const check = () => {
          for (; seen < frames.length; seen++) {
            const frame = frames[seen]!;
            const d = (frame.d ?? {}) as Record<string, unknown>;
            if (frame.e === e && accept(d)) {
              waiters.delete(check);
              clearTimeout(timer);
              frames.splice(seen, 1);
              return resolve(d);
            }
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ${e} within ${timeoutMs} ms (got ${frames.map((f) => f.e).join(", ") || "nothing"})`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    closed,
    close: () => socket.close(),
  };
  return new Promise((resolve, reject) => {
    socket.addEventListener("open", () => resolve(double), { once: true });
    socket.addEventListener("error", () => reject(new Error(`cannot open ${wsUrl}`)), { once: true });
  });
}

/** The whole Remo robot start-up: authenticate, look up the channel by name, join it and its chat. */
export async function remoRobotLogin(httpUrl: string, token: string, channelName: string, login: Record<string, unknown> = {}) {
  const robot = await openRobotDouble(`${httpUrl.replace(/^http/, "ws")}/`);
  robot.send("AUTHENTICATE_ROBOT", { token, ...login });
  const validated = await robot.next("ROBOT_VALIDATED");
  const list = (await (await fetch(`${httpUrl}/api/dev/channels/list/${validated.host}`)).json()) as { channels: { id: string; name: string; chat: string }[] };
  const channel = list.channels.find((c) => c.name === channelName) ?? list.channels[0];
  if (!channel) throw new Error("no channel");
  robot.send("JOIN_CHANNEL", channel.id);
  robot.send("GET_CHAT", channel.chat);
  return { robot, validated, channel };
}
