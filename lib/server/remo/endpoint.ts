/**
 * The Remo part (lib/server/remo/): the Remo.tv-style API on the platform's port, for Remo robots and pages.
 * It owns the Remo HTTP routes and video paths (this file), the robots' websocket (sockets.ts) and the
 * mapping between Remo's messages and our robot records (messages.ts). Robots, chat and the relay are the
 * same ones the LetsRobot side uses; only the wire differs.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { parseStreamName } from "../../remo/protocol.ts";
import { requestUrl } from "../http/routes.ts";
import type { Hub } from "../sockets/hub.ts";
import type { Relay } from "../relay/relay.ts";
import { remoChannel, remoServerId, robotIdOf } from "./messages.ts";
import { createRemoRobots } from "./sockets.ts";
import type { SocketServer } from "../sockets/socket-server.ts";
import type { MessageSocketUpgrader } from "../relay/ws-server.ts";

/**
 * Everything `serve` offers Remo-style clients, on the platform's own port:
 * - websocket `/` or `/remo`: robots (lib/server/remo/sockets.ts);
 * - `GET /api/{version}/channels/list/{host}` → `{channels: [{id, name, chat}]}`;
 * - `POST /api/{version}/robot/auth {token}` → `{id, host, name, channels}` (401 for a wrong key);
 * - `POST /transmit?name={channel}-video|audio` with `Authorization: Bearer {robot_key}` → the relay;
 * - websocket `/receive?name={channel}-video|audio` → the relay's viewer stream of that channel's camera.
 */
export interface RemoEndpoint {
  /** True when the request was a Remo one (and has been answered or handed on). */
  handleRequest(req: IncomingMessage, res: ServerResponse): boolean;
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  bridge(io: SocketServer): SocketServer;
  close(): void;
}

export interface RemoEndpointOptions {
  hub: Hub;
  relay: Relay;
  upgrader: MessageSocketUpgrader;
}

const maxBody = 16 * 1024;

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" }).end(JSON.stringify(body));
};

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      body += chunk;
      if (body.length > maxBody) req.destroy();
    });
    req.on("end", () => {
      try {
        resolve(JSON.parse(body));
      } catch {
        resolve(undefined);
      }
    });
    req.on("error", () => resolve(undefined));
  });
}

function bearer(req: IncomingMessage): string {
  const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "");
  return match?.[1] ?? "";
}

export function createRemoEndpoint(options: RemoEndpointOptions): RemoEndpoint {
  const { hub, relay } = options;
  const robots = createRemoRobots(hub);
  const log = hub.log.withTag("remo");
  const identity = (robotId: string) => {
    const robot = hub.store.robot(robotId);
    return robot && { id: robot.id, name: robot.name, host: remoServerId(robot), channels: [remoChannel(robot)] };
  };

  function transmit(req: IncomingMessage, res: ServerResponse, name: string): void {
    const stream = parseStreamName(name);
    const robotId = stream ? robotIdOf(stream.channelId, "chan") : undefined;
    if (!robotId || !hub.store.robot(robotId)) return json(res, 404, { error: "not_found", message: "name must be {channel_id}-video or {channel_id}-audio of a channel here" });
    const robot = robots.robotByKey(bearer(req));
    if (!robot || robot.id !== robotId) {
      log.warn(`refused a Remo stream upload from ${req.socket.remoteAddress}: wrong robot key`);
      res.writeHead(401, { "content-type": "text/plain", connection: "close" }).end("wrong robot key\n", () => req.destroy());
      return;
    }
    relay.ingest(req, res, robot);
  }

  return {
    handleRequest(req, res) {
      const url = requestUrl(req);
      if (!url) return false;
      const method = req.method ?? "GET";
      if (url.pathname === "/transmit" && method === "POST") {
        transmit(req, res, url.searchParams.get("name") ?? "");
        return true;
      }
      const list = /^\/api\/[a-z0-9]{1,16}\/channels\/list\/([^/]{1,64})\/?$/.exec(url.pathname);
      if (list && method === "GET") {
        let host = "";
        try {
          host = decodeURIComponent(list[1] ?? "");
        } catch {
          // a malformed escape names no server
        }
        const found = identity(robotIdOf(host, "srv") ?? "");
        if (!found) json(res, 404, { error: "not_found", message: "no such server" });
        else json(res, 200, { id: found.host, channels: found.channels });
        return true;
      }
      if (/^\/api\/[a-z0-9]{1,16}\/robot\/auth\/?$/.test(url.pathname) && method === "POST") {
        void readJson(req).then((body) => {
          const token = typeof body === "object" && body !== null ? (body as { token?: unknown }).token : undefined;
          const robot = typeof token === "string" ? robots.robotByKey(token) : undefined;
          if (!robot) return json(res, 401, { error: "invalid_token", message: "robot key not recognised" });
          json(res, 200, identity(robot.id));
        }).catch(() => {
          if (!res.headersSent) json(res, 500, { error: "internal", message: "the request could not be handled" });
        });
        return true;
      }
      return false;
    },

    upgrade(req, socket, head) {
      const url = requestUrl(req);
      if (!url) return false;
      if (url.pathname === "/" || url.pathname === "/remo" || url.pathname === "/remo/") {
        options.upgrader.upgrade(req, socket, head, (ws) => robots.accept(ws));
        return true;
      }
      if (url.pathname === "/receive") {
        const stream = parseStreamName(url.searchParams.get("name") ?? "");
        const robot = stream && hub.store.robot(robotIdOf(stream.channelId, "chan") ?? "");
        if (!stream || !robot) {
          socket.end("HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
          return true;
        }
        req.url = `/ws/stream/${robot.cameraId}/${stream.kind}`;
        return relay.upgrade(req, socket, head, () => true);
      }
      return false;
    },

    bridge: (io) => robots.bridge(io),
    close() {
      robots.close();
      options.upgrader.close();
    },
  };
}
