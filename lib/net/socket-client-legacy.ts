/// <reference path="./socket-client-legacy.d.ts" />
import legacyIo from "socket.io-client-legacy";
import type { SocketChannel, SocketOptions } from "./channel.ts";

/** Adapter for socket.io-client 2.x (Engine.IO v3): the historical LetsRobot servers. No auth: keys go in the query. */
export function connectLegacySocket(options: SocketOptions): SocketChannel {
  const socket = legacyIo(options.url, {
    transports: ["websocket"],
    query: options.auth,
    reconnection: options.reconnect ?? true,
    reconnectionDelay: 250,
    reconnectionDelayMax: 2000,
    randomizationFactor: 0.3,
    timeout: options.timeoutMs ?? 5000,
    forceNew: true,
  });
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
