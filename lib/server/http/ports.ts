import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http";
import type { AddressInfo, Server as NetServer } from "node:net";
import type { Duplex } from "node:stream";
import { NetworkError } from "../../errors.ts";
import { socketIoPath } from "../sockets/socket-server.ts";
import { shareWithTls } from "../tls/port.ts";

export interface PortsOptions {
  host: string;
  /** 0 = any free port. */
  port: number;
  /** An extra listener for app (video status) sockets. */
  appPort?: number;
  /** PEM certificate and key: the main port then speaks HTTPS/WSS as well as plain HTTP. */
  tls?: { cert: string; key: string };
}

/** What socket.io (attached to the ports before they listen) leaves: everything outside its path. */
interface PortHandlers {
  /** Requests to the main port (the app port answers them all with 404). */
  request(req: IncomingMessage, res: ServerResponse): void;
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

/**
 * The platform's listening ports: the main one (lookups, sockets, uploads, viewer pages; with a certificate
 * also HTTPS/WSS on the same port, lib/server/tls/port.ts) and the optional app-socket port. They are created
 * before the parts that hold connections on them, which attach first (socket.io) and let go first when the
 * platform closes: a port does not finish closing while an upgraded connection is open on it.
 */
export interface Ports {
  /** The HTTP servers to attach socket.io to. */
  readonly main: HttpServer;
  readonly app?: HttpServer;
  /** Route requests and upgrades, then listen; resolves with the ports listened on. */
  listen(handlers: PortHandlers): Promise<{ port: number; appPort?: number }>;
  /** Close every plain HTTP connection and TLS pipe, so the servers can finish closing. */
  dropConnections(): void;
  /** Stop listening; resolves once the last connection is gone. */
  close(): Promise<void>;
}

function listen(server: NetServer, host: string, port: number, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      const hint =
        error.code === "EADDRINUSE" ? `another program uses port ${port}: stop it, or pass --port (0 = any free port)` : error.code === "EACCES" ? `ports below 1024 need root: pick a port above 1024` : `check --host ${host}`;
      reject(new NetworkError(`cannot listen on ${host}:${port} for the ${what}: ${error.code ?? error.message}`, hint, { cause: error }));
    };
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export async function openPorts(options: PortsOptions): Promise<Ports> {
  // uploads are long-lived requests: no overall request timeout (Node's default would cut them at 5 minutes)
  const main = createServer({ requestTimeout: 0 });
  const app = options.appPort !== undefined ? createServer() : undefined;
  const shared = options.tls ? await shareWithTls(main, options.tls) : undefined;
  const front = shared?.server ?? main;
  let dropped = false;
  const dropConnections = () => {
    main.closeAllConnections();
    app?.closeAllConnections();
    if (!dropped) shared?.close();
    dropped = true;
  };
  return {
    main,
    app,
    async listen(handlers) {
      // socket.io's own listeners, attached before these, take its path
      const ours = (req: IncomingMessage) => !(req.url ?? "").startsWith(socketIoPath);
      main.on("request", (req, res) => ours(req) && handlers.request(req, res));
      main.on("upgrade", (req, socket, head) => ours(req) && handlers.upgrade(req, socket, head));
      app?.on("request", (req, res) => ours(req) && res.writeHead(404).end());
      const port = await listen(front, options.host, options.port, "platform");
      const appPort = app ? await listen(app, options.host, options.appPort ?? 0, "app socket") : undefined;
      return { port, appPort };
    },
    dropConnections,
    async close() {
      dropConnections();
      await Promise.all([front, app].map((s) => (s?.listening ? new Promise<void>((resolve) => s.close(() => resolve())) : undefined)));
    },
  };
}
