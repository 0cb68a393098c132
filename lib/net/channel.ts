/** A server's address as lookups answer it and sockets connect to it. */
export interface HostPort {
  host: string;
  port: number;
}

/** A socket.io connection as the rest of letsrobot sees it, whichever client library speaks it. */
export interface SocketChannel {
  readonly connected: boolean;
  emit(event: string, data?: unknown, ack?: (reply: unknown) => void): void;
  on(event: string, handler: (data: unknown) => void): void;
  /** Lifecycle: "connect" on every (re)connect, "disconnect" with a reason, "error" with a message. */
  onState(handler: (state: "connect" | "disconnect" | "error", detail?: string) => void): void;
  close(): void;
}

export interface SocketOptions {
  /** http://host:port */
  url: string;
  /** Sent as socket.io auth (v4) or as query parameters (v2, which has no auth). */
  auth?: Record<string, string>;
  /** Reconnect by itself with capped backoff (default true). */
  reconnect?: boolean;
  timeoutMs?: number;
}

export type SocketFactory = (options: SocketOptions) => SocketChannel;

/** The client options both socket.io adapters (4.x and 2.x) share: websocket only, capped backoff, a new manager each. */
export function clientOptions(options: SocketOptions) {
  return {
    transports: ["websocket"],
    reconnection: options.reconnect ?? true,
    reconnectionDelay: 250,
    reconnectionDelayMax: 2000,
    randomizationFactor: 0.3,
    timeout: options.timeoutMs ?? 5000,
    forceNew: true,
  };
}

/** Connected, or the first error, whichever comes first. */
export function waitConnected(channel: SocketChannel, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    if (channel.connected) return resolve();
    const timer = setTimeout(() => reject(new Error(`no connection within ${timeoutMs} ms`)), timeoutMs);
    channel.onState((state, detail) => {
      if (state === "connect") {
        clearTimeout(timer);
        resolve();
      } else if (state === "error") {
        clearTimeout(timer);
        reject(new Error(detail ?? "connection failed"));
      }
    });
  });
}

/** The part of a socket.io client socket (2.x or 4.x) that a channel needs. */
export interface SocketLike {
  readonly connected: boolean;
  emit(event: string, ...args: unknown[]): unknown;
  on(event: string, handler: (...args: any[]) => void): unknown;
  removeAllListeners(): unknown;
  close(): unknown;
}

/** Wrap either client library's socket as a SocketChannel. */
export function channelOf(socket: SocketLike): SocketChannel {
  return {
    get connected() {
      return socket.connected;
    },
    emit(event, data, ack) {
      if (ack) socket.emit(event, data, ack);
      else socket.emit(event, data);
    },
    on(event, handler) {
      socket.on(event, handler);
    },
    onState(handler) {
      socket.on("connect", () => handler("connect"));
      socket.on("disconnect", (reason: string) => handler("disconnect", reason));
      socket.on("connect_error", (error: Error) => handler("error", error?.message ?? String(error)));
    },
    close() {
      socket.removeAllListeners();
      socket.close();
    },
  };
}
