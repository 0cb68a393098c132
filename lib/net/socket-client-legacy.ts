/// <reference path="./socket-client-legacy.d.ts" />
import legacyIo from "socket.io-client-legacy";
import { channelOf, type SocketChannel, type SocketOptions } from "./channel.ts";

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
  return channelOf(socket);
}
