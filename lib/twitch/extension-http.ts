/**
 * The extension backend on real HTTP servers: a fetch-style handler (`Request` → `Response`, as Bun.serve
 * takes) and a node:http one (as the local platform in lib/server uses). Both answer only paths under
 * `twitch.ext_path` and leave every other request to the caller.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Deps } from "../deps.ts";
import { createExtensionCore, type ExtensionCore, type ExtensionHooks, type ExtensionStats, type ExtRequest, maxBodyBytes } from "./extension.ts";
import type { TwitchConfig } from "./plan.ts";

export type FetchHandler = (request: Request) => Promise<Response | undefined>;
/** True when the request was taken (the response is written asynchronously); false = not ours. */
type NodeHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

export interface ExtensionBackend {
  /** Path prefix served, e.g. /twitch/ext. */
  readonly path: string;
  fetch: FetchHandler;
  node: NodeHandler;
  stats(): ExtensionStats;
}

async function limitedText(request: Request): Promise<string | undefined> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > maxBodyBytes) return undefined;
  const text = await request.text();
  return Buffer.byteLength(text) > maxBodyBytes ? undefined : text;
}

function readNodeBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) {
        resolve(undefined);
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

const header = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

/** Build the backend from the `[twitch]` section (throws ConfigError when the extension keys are incomplete). */
export function createExtensionBackend(config: TwitchConfig, deps: Pick<Deps, "log"> & ExtensionHooks): ExtensionBackend {
  const core: ExtensionCore = createExtensionCore(config, deps);
  const log = deps.log.withTag("twitch-ext");
  return {
    path: core.plan.path,
    stats: core.stats,
    async fetch(request) {
      const url = new URL(request.url);
      if (!core.matches(url.pathname)) return undefined;
      const answer = await core.handle({
        method: request.method,
        path: url.pathname,
        origin: request.headers.get("origin") ?? undefined,
        authorization: request.headers.get("authorization") ?? undefined,
        requestMethod: request.headers.get("access-control-request-method") ?? undefined,
        body: () => limitedText(request),
      });
      return new Response(answer.status === 204 ? null : answer.body, { status: answer.status, headers: answer.headers });
    },
    node(req, res) {
      const path = (req.url ?? "/").split("?")[0] ?? "/";
      if (!core.matches(path)) return false;
      const request: ExtRequest = {
        method: req.method ?? "GET",
        path,
        origin: header(req.headers.origin),
        authorization: header(req.headers.authorization),
        requestMethod: header(req.headers["access-control-request-method"]),
        body: () => (Number(req.headers["content-length"] ?? "0") > maxBodyBytes ? Promise.resolve(undefined) : readNodeBody(req)),
      };
      core.handle(request).then(
        (answer) => res.writeHead(answer.status, answer.headers).end(answer.status === 204 ? undefined : answer.body),
        (error: unknown) => {
          log.error(`extension request failed: ${error instanceof Error ? error.message : String(error)}`);
          if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" }).end('{"ok":false,"error":"internal"}');
        },
      );
      return true;
    },
  };
}

/** The fetch-style handler alone, for Bun.serve-style servers. */
export function createExtensionHandler(config: TwitchConfig, deps: Pick<Deps, "log"> & ExtensionHooks): FetchHandler {
  return createExtensionBackend(config, deps).fetch;
}
