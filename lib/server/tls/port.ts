/**
 * The TLS part (lib/server/tls/): HTTPS and WSS on the platform's own port. It owns telling TLS from plain
 * HTTP on one port (this file) and the certificate: one the owner gives, or a self-signed one kept in the
 * data directory and renewed before it expires (identity.ts).
 */
import type { Server as HttpServer } from "node:http";
import { connect, createServer as createNetServer, type Server as NetServer, type Socket } from "node:net";
import { createServer as createTlsServer } from "node:tls";

/**
 * One port that speaks both plain HTTP and TLS (HTTPS, WSS), for every route of the platform. Each connection
 * is told apart by its first byte: 0x16 opens a TLS handshake; anything else is plain HTTP. Both matter for
 * old robots: the LetsRobot controllers look up over `https://` but open their sockets and video uploads with
 * plain `http://` to the port the lookup names, which is this same port.
 *
 * Plain connections go straight to `http`. Bun cannot start server-side TLS on a socket it already accepted,
 * so TLS connections are piped to a TLS listener on 127.0.0.1 (an ephemeral port) whose decrypted sockets
 * then join `http` like any other connection, with the client's real address.
 */
export interface SharedPort {
  /** Listen on this one instead of `http`. */
  server: NetServer;
  close(): void;
}

export interface SharedPortOptions {
  cert: string;
  key: string;
  /** A connection that sends nothing for this long is closed (default 30 s). */
  firstByteMs?: number;
}

export async function shareWithTls(http: HttpServer, options: SharedPortOptions): Promise<SharedPort> {
  const open = new Set<Socket>();
  const track = (socket: Socket) => {
    open.add(socket);
    socket.once("close", () => open.delete(socket));
    socket.on("error", () => socket.destroy());
  };
  /** Client address per local port of a pipe into the TLS listener. */
  const origins = new Map<number, string>();
  const tls = createTlsServer({ cert: options.cert, key: options.key }, (secure) => {
    const origin = secure.remotePort === undefined ? undefined : origins.get(secure.remotePort);
    if (origin !== undefined) Object.defineProperty(secure, "remoteAddress", { value: origin });
    track(secure);
    http.emit("connection", secure);
  });
  // a failed handshake (a client that does not trust the certificate) only ends that connection
  tls.on("tlsClientError", (_error, socket) => socket.destroy());
  await new Promise<void>((resolve) => tls.listen(0, "127.0.0.1", resolve));
  const tlsPort = (tls.address() as { port: number }).port;

  const server = createNetServer((socket) => {
    track(socket);
    socket.setTimeout(options.firstByteMs ?? 30_000, () => socket.destroy());
    socket.once("data", (first: Buffer) => {
      socket.setTimeout(0);
      socket.pause();
      if (first[0] !== 0x16) {
        socket.unshift(first);
        http.emit("connection", socket);
        socket.resume();
        return;
      }
      const pipe = connect(tlsPort, "127.0.0.1", () => {
        if (pipe.localPort !== undefined) origins.set(pipe.localPort, socket.remoteAddress ?? "");
        pipe.write(first);
        socket.pipe(pipe).pipe(socket);
        socket.resume();
      });
      track(pipe);
      pipe.once("close", () => {
        if (pipe.localPort !== undefined) origins.delete(pipe.localPort);
        socket.destroy();
      });
      socket.once("close", () => pipe.destroy());
    });
  });
  return {
    server,
    close() {
      for (const socket of open) socket.destroy();
      tls.close();
    },
  };
}
