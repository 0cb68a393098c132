/**
 * The HTTP part (lib/server/http/): plain HTTP on the platform's port. It owns the listening ports and how
 * they close (ports.ts), the route table (this file), the LetsRobot lookups robots ask before they connect
 * (lookups.ts), the /status report (status.ts) and the addresses a phone on the LAN can reach (reachable.ts).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { answerLookup, hostFromHeader, type LookupDirectory } from "./lookups.ts";

/** One HTTP route table for the platform's main port: health, status, lookups, pages, assets, ingest. */
export interface RouteContext {
  directory: LookupDirectory;
  /** Our own address, used when a request has no Host header. */
  host: string;
  port: () => number;
  status: () => unknown;
  /** The page for `/`, and for `/robot/{id}` (undefined = unknown robot). */
  indexPage: () => string;
  viewerPage: (robotId: string) => string | undefined;
  assets: Record<string, { type: string; body: string }>;
  /** `POST /{stream_key}/{xres}/{yres}/`: the relay takes over the request. */
  ingest?: (req: IncomingMessage, res: ServerResponse, streamKey: string) => void;
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", "access-control-allow-origin": "*" }).end(JSON.stringify(body));
};

const securityHeaders = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

/** Pages run only our own scripts; jsmpeg compiles its WebAssembly decoder (wasm-unsafe-eval) and sets inline styles. */
const contentSecurityPolicy = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; media-src 'self' blob:; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const html = (res: ServerResponse, status: number, body: string) => {
  res.writeHead(status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", "content-security-policy": contentSecurityPolicy, ...securityHeaders }).end(body);
};

/** A request's URL, or undefined when it cannot be parsed (`//[`, a bare `*`): callers answer 400 or pass it on. */
export function requestUrl(req: Pick<IncomingMessage, "url">): URL | undefined {
  try {
    return new URL(req.url ?? "/", "http://local");
  } catch {
    return undefined;
  }
}

export function handleRequest(req: IncomingMessage, res: ServerResponse, ctx: RouteContext): void {
  const url = requestUrl(req);
  if (!url) return json(res, 400, { error: "bad_request", message: "malformed URL" });
  const path = url.pathname;
  const method = req.method ?? "GET";

  if (method === "POST") {
    const ingest = /^\/([^/]{1,256})\/(\d{1,5})\/(\d{1,5})\/?$/.exec(path);
    if (ingest && ctx.ingest) {
      let key = "";
      try {
        key = decodeURIComponent(ingest[1] ?? "");
      } catch {
        // a malformed escape is simply a wrong key
      }
      return ctx.ingest(req, res, key);
    }
    // never echo the path: it may hold a stream key
    return json(res, 404, { error: "not_found", message: "POST video or audio to /{stream_key}/{xres}/{yres}/" });
  }
  if (method !== "GET" && method !== "HEAD") return json(res, 405, { error: "method_not_allowed", message: `${method} is not supported here` });

  if (path === "/healthz") return json(res, 200, { ok: true });
  if (path === "/api/status") return json(res, 200, ctx.status());
  const asset = ctx.assets[path];
  if (asset) {
    res.writeHead(200, { "content-type": asset.type, "cache-control": "public, max-age=300", ...securityHeaders }).end(asset.body);
    return;
  }
  if (path === "/" || path === "/index.html") return html(res, 200, ctx.indexPage());
  const viewer = /^\/robot\/([0-9]{1,20})\/?$/.exec(path);
  if (viewer) {
    const page = ctx.viewerPage(viewer[1] ?? "");
    return page === undefined ? html(res, 404, "<!doctype html><title>Unknown robot</title><p>No such robot on this server. <a href=\"/\">All robots</a></p>") : html(res, 200, page);
  }
  const lookup = answerLookup(path, ctx.directory, { host: hostFromHeader(req.headers.host, ctx.host), socketPort: ctx.port(), ingestPort: ctx.port() });
  if (lookup) return json(res, lookup.status, lookup.body);
  return json(res, 404, { error: "not_found", message: `nothing at ${path}` });
}
