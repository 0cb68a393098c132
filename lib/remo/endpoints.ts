import type { Config } from "../config/schema.ts";
import { ConfigError } from "../errors.ts";
import { infoUrl } from "../platform/client.ts";
import { getJson } from "../platform/http.ts";
import { parseChannels, type RemoChannel } from "./protocol.ts";

/** Where a Remo server's parts live, from platform.server (and platform.transmit_url). Pure. */
export interface RemoEndpoints {
  /** The robot websocket: the server's root, ws:// or wss://. */
  socket: string;
  /** Base of the REST API (`/api/dev/…`). */
  api: string;
  /** Base of the media upload (`/transmit?name=…`): platform.transmit_url, else the server host on port 1567. */
  transmit: string;
}

const REMO_TRANSMIT_PORT = 1567;

export function remoEndpoints(platform: Config["platform"]): RemoEndpoints {
  const info = infoUrl(platform);
  const socket = new URL("/", info);
  socket.protocol = info.protocol === "https:" ? "wss:" : "ws:";
  let transmit: URL;
  try {
    transmit = new URL(platform.transmit_url || `http://${info.hostname}:${REMO_TRANSMIT_PORT}`);
  } catch {
    throw new ConfigError(`platform.transmit_url is not a URL: ${JSON.stringify(platform.transmit_url)}`, "write it like http://remo.example:1567");
  }
  return { socket: socket.toString(), api: new URL("/", info).toString(), transmit: new URL("/", transmit).toString() };
}

/** `GET /api/dev/channels/list/{host}` → the channels of the robot's server. */
export async function lookupChannels(api: string, host: string, deps: { fetch: typeof fetch; timeoutMs: number; signal?: AbortSignal }): Promise<RemoChannel[]> {
  const url = new URL(`/api/dev/channels/list/${encodeURIComponent(host)}`, api).toString();
  return parseChannels(await getJson(url, { fetch: deps.fetch, timeoutMs: deps.timeoutMs, retries: 0, signal: deps.signal }));
}
