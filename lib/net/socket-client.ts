import { io } from "socket.io-client";
import { channelOf, type SocketChannel, type SocketOptions } from "./channel.ts";

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
  return channelOf(socket);
}
