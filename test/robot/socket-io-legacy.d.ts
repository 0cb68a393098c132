declare module "socket.io-legacy" {
  import type { Server as HttpServer } from "node:http";
  interface LegacyServerSocket {
    id: string;
    handshake: { query: Record<string, string> };
    emit(event: string, ...args: unknown[]): void;
    on(event: string, handler: (...args: any[]) => void): void;
    disconnect(close?: boolean): void;
  }
  interface LegacyServer {
    on(event: "connection", handler: (socket: LegacyServerSocket) => void): void;
    close(callback?: () => void): void;
  }
  function createServer(http: HttpServer, options?: Record<string, unknown>): LegacyServer;
  export default createServer;
}
