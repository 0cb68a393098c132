import { io } from "socket.io-client";
import { channelOf, clientOptions, type SocketChannel, type SocketOptions } from "./channel.ts";

/** Adapter for socket.io-client 4.x (Engine.IO v4): current servers, including `letsrobot serve`. */
export function connectSocket(options: SocketOptions): SocketChannel {
  const socket = io(options.url, { ...clientOptions(options), auth: options.auth });
  return channelOf(socket);
}
