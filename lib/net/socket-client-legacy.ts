/// <reference path="./socket-client-legacy.d.ts" />
import legacyIo from "socket.io-client-legacy";
import { channelOf, clientOptions, type SocketChannel, type SocketOptions } from "./channel.ts";

/** Adapter for socket.io-client 2.x (Engine.IO v3): the historical LetsRobot servers. No auth: keys go in the query. */
export function connectLegacySocket(options: SocketOptions): SocketChannel {
  const socket = legacyIo(options.url, { ...clientOptions(options), query: options.auth });
  return channelOf(socket);
}
