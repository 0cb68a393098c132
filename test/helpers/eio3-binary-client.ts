/**
 * An Engine.IO protocol v3 client written from the protocol description, for contract tests. Like the Python
 * socketIO-client 0.7.x that the LetsRobot controllers used, it polls without `b64`, so it takes ONLY the binary
 * payload framing (per packet: 0x00 for a string packet, the UTF-8 byte length as one byte per decimal digit,
 * 0xFF, the packet) and rejects anything else. It can upgrade to a websocket (`2probe` → `3probe` → `5`).
 * Socket.io packets ride inside Engine.IO `4` (message) packets: `40` connect, `42[event, data]` an event.
 */

/** Decode a binary-framed v3 payload; throws on text framing or any malformed byte. */
function decodeBinaryPayload(body: Uint8Array): string[] {
  const packets: string[] = [];
  let i = 0;
  while (i < body.length) {
    if (body[i] !== 0x00) throw new Error(`not binary framing: byte ${i} is ${body[i]} (expected 0x00 for a string packet)`);
    i++;
    let digits = "";
    while (body[i] !== 0xff) {
      const digit = body[i];
      if (digit === undefined || digit > 9 || digits.length > 8) throw new Error(`bad length digit at byte ${i}: ${digit}`);
      digits += String(digit);
      i++;
    }
    i++;
    const length = Number(digits);
    if (digits === "" || i + length > body.length) throw new Error(`packet length ${digits} runs past the payload (${body.length} bytes)`);
    packets.push(new TextDecoder().decode(body.subarray(i, i + length)));
    i += length;
  }
  return packets;
}

function encodeBinaryPayload(packets: string[]): Uint8Array {
  const parts: number[] = [];
  for (const packet of packets) {
    const bytes = new TextEncoder().encode(packet);
    parts.push(0x00, ...String(bytes.length).split("").map(Number), 0xff, ...bytes);
  }
  return Uint8Array.from(parts);
}

export interface Eio3Options {
  /** Extra query parameters (e.g. robot_key). */
  query?: Record<string, string>;
  /** Bun's TLS options for fetch and WebSocket (e.g. `{ ca }` for a self-signed server). */
  tls?: { ca?: string; rejectUnauthorized?: boolean };
}

export class Eio3BinaryClient {
  sid = "";
  pingInterval = 0;
  upgrades: string[] = [];
  /** Socket.io events received (`42[...]`), in order, from polling or the websocket. */
  readonly events: { event: string; data: unknown }[] = [];
  /** Every Engine.IO packet received, as text. */
  readonly packets: string[] = [];
  private ws?: WebSocket;
  private waiters: (() => void)[] = [];

  constructor(
    private readonly base: string,
    private readonly options: Eio3Options = {},
  ) {}

  private url(transport: "polling" | "websocket"): string {
    const query = new URLSearchParams({ EIO: "3", transport, ...this.options.query, ...(this.sid ? { sid: this.sid } : {}), t: String(Date.now()) });
    const base = transport === "websocket" ? this.base.replace(/^http/, "ws") : this.base;
    return `${base}/socket.io/?${query}`;
  }

  private receive(packet: string): void {
    this.packets.push(packet);
    if (packet.startsWith("42")) {
      const [event, data] = JSON.parse(packet.slice(2)) as [string, unknown];
      this.events.push({ event, data });
    }
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** One GET: the payload must be application/octet-stream in binary framing. */
  async poll(): Promise<string[]> {
    const response = await fetch(this.url("polling"), { tls: this.options.tls } as RequestInit);
    if (!response.ok) throw new Error(`poll answered ${response.status}: ${await response.text()}`);
    const type = response.headers.get("content-type");
    if (type !== "application/octet-stream") throw new Error(`poll answered ${type}, not application/octet-stream: ${await response.text()}`);
    const packets = decodeBinaryPayload(new Uint8Array(await response.arrayBuffer()));
    for (const packet of packets) this.receive(packet);
    return packets;
  }

  /** The opening handshake: the first packet must be `0` (open) with the session. */
  async handshake(): Promise<void> {
    const [open] = await this.poll();
    if (!open?.startsWith("0")) throw new Error(`handshake did not start with an open packet: ${open}`);
    const session = JSON.parse(open.slice(1)) as { sid: string; upgrades: string[]; pingInterval: number };
    this.sid = session.sid;
    this.upgrades = session.upgrades;
    this.pingInterval = session.pingInterval;
  }

  /** POST packets in binary framing, as socketIO-client 0.7 does. */
  async post(packets: string[]): Promise<void> {
    const response = await fetch(this.url("polling"), { method: "POST", headers: { "content-type": "application/octet-stream" }, body: encodeBinaryPayload(packets), tls: this.options.tls } as RequestInit);
    if ((await response.text()) !== "ok") throw new Error(`POST answered ${response.status}`);
  }

  /** Probe and switch to the websocket transport. */
  async upgrade(): Promise<void> {
    const ws = new WebSocket(this.url("websocket"), { tls: this.options.tls } as unknown as string[]);
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => ws.send("2probe");
      ws.onerror = () => reject(new Error("websocket upgrade failed"));
      ws.onmessage = (message) => {
        if (message.data !== "3probe") return reject(new Error(`expected 3probe, got ${String(message.data)}`));
        ws.send("5");
        ws.onmessage = (next) => this.receive(String(next.data));
        resolve();
      };
    });
    this.ws = ws;
  }

  /** Send a socket.io event on the current transport. */
  async emit(event: string, data: unknown): Promise<void> {
    const packet = `42${JSON.stringify([event, data])}`;
    if (this.ws) this.ws.send(packet);
    else await this.post([packet]);
  }

  /** Wait for an event (polling: keeps polling; websocket: waits for frames). */
  async next(event: string, timeoutMs = 5000, accept: (data: unknown) => boolean = () => true): Promise<unknown> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find((e) => e.event === event && accept(e.data));
      if (found) return found.data;
      if (Date.now() > deadline) throw new Error(`no ${event} within ${timeoutMs} ms (got ${this.packets.join(" | ")})`);
      if (this.ws) await new Promise<void>((resolve) => this.waiters.push(resolve) && setTimeout(resolve, 100));
      else await this.poll();
    }
  }

  close(): void {
    this.ws?.close();
  }
}
