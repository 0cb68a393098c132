import { io } from "socket.io-client";
import type { SocketChannel, SocketOptions } from "./channel.ts";

/** Adapter for socket.io-client 4.x (Engine.IO v4): current servers, including `letsrobot serve`. */
export function connectSocket(options: SocketOptions): SocketChannel {
  const socket = io(options.url, {
    transports: ["websocket"],
    auth: options.auth,
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
      socket.on("disconnect", (reason) => handler("disconnect", reason));
      socket.on("connect_error", (error) => handler("error", error.message));
    },
    close() {
      socket.removeAllListeners();
      socket.close();
    },
  };
}
