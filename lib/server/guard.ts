import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { realClock } from "../clock.ts";
import type { Logger } from "../log.ts";
import { type RateLimit, TokenBucket } from "../rate-limit.ts";
import type { ClientSocket } from "./sockets/socket-server.ts";

/**
 * The one guard between the network and the platform's handlers: no payload can throw past it, and no
 * socket can send more events than its budget. A handler that throws is logged (one line, no stack) and the
 * client gets `{ok: false, error: "invalid"}`; an event over budget gets `{ok: false, error: "rate_limited"}`
 * (for events without an acknowledgement: one `error_event` per second at most, so refusals cannot become
 * a flood of their own).
 */
export interface SocketGuardOptions {
  log: Logger;
  /** Every inbound event takes one token from its socket's own bucket (gone with the socket). */
  events: RateLimit;
  /** Milliseconds, for the bucket and the refusal notices (default: the real clock). */
  now?: () => number;
}

/** A short, safe description of an error (never calls the payload's own toString). */
export function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 200) : typeof error;
}

export function guardSocket(socket: ClientSocket, options: SocketGuardOptions): ClientSocket {
  const now = options.now ?? realClock.now;
  const budget = new TokenBucket(options.events, now);
  let lastNotice = -Infinity;
  const refuse = (event: string, ack: ((reply: unknown) => void) | undefined, error: string, message: string) => {
    const answer = { ok: false, error, message };
    if (ack) return safely(() => ack(answer));
    if (now() - lastNotice < 1000) return;
    lastNotice = now();
    socket.emit("error_event", { event, error, message });
  };
  return {
    id: socket.id,
    address: socket.address,
    viaAppPort: socket.viaAppPort,
    credential: (name) => socket.credential(name),
    onDisconnect: (handler) => socket.onDisconnect(handler),
    emit: (event, data) => socket.emit(event, data),
    join: (room) => socket.join(room),
    leave: (room) => socket.leave(room),
    disconnect: () => socket.disconnect(),
    on(event, handler) {
      socket.on(event, (data, ack) => {
        if (!budget.take()) {
          return refuse(event, ack, "rate_limited", `too many events: at most ${options.events.perSecond} per second`);
        }
        try {
          handler(data, ack);
        } catch (error) {
          options.log.warn(`${event} from ${socket.address} could not be handled (${errorText(error)}); the client was told`);
          refuse(event, ack, "invalid", `${event} could not be handled: check the payload's shape`);
        }
      });
    },
  };
}

function safely(run: () => void): void {
  try {
    run();
  } catch {
    // an acknowledgement that cannot be sent (socket gone) is not our problem to report
  }
}

/** The HTTP side of the guard: a route that throws answers 500 with a JSON reason and the server goes on. */
export function guardRequest(log: Logger, handler: (req: IncomingMessage, res: ServerResponse) => void): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    try {
      handler(req, res);
    } catch (error) {
      log.warn(`${req.method ?? "?"} request from ${req.socket.remoteAddress ?? "?"} could not be handled (${errorText(error)})`);
      if (res.headersSent) return void res.destroy();
      res.writeHead(500, { "content-type": "application/json; charset=utf-8", connection: "close" }).end(JSON.stringify({ error: "internal", message: "the request could not be handled" }));
    }
  };
}

/** The same for websocket upgrades: one that throws closes that connection with a 400. */
export function guardUpgrade(log: Logger, handler: (req: IncomingMessage, socket: Duplex, head: Buffer) => void): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  return (req, socket, head) => {
    try {
      handler(req, socket, head);
    } catch (error) {
      log.warn(`an upgrade from ${req.socket.remoteAddress ?? "?"} could not be handled (${errorText(error)})`);
      socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
    }
  };
}
