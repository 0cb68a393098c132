import type { Config } from "../config/schema.ts";
import { lookupChannels, remoEndpoints } from "./endpoints.ts";
import { parseValidated, pickChannel, RemoEvent, type RemoIdentity } from "./protocol.ts";
import { connectFrameSocket, type FrameSocketFactory } from "./socket.ts";

export type RemoVerdict = { ok: true; detail: string } | { ok: false; detail: string; hint: string };

type Answer = { kind: "validated"; identity: RemoIdentity } | { kind: "refused"; why: string } | { kind: "failed"; why: string };

/** Authenticate once on the robot websocket and close it again: what the server says to the robot key. */
function authenticate(url: string, token: string, factory: FrameSocketFactory, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (answer: Answer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.close();
      resolve(answer);
    };
    const timer = setTimeout(() => done({ kind: "failed", why: `no answer to AUTHENTICATE_ROBOT within ${timeoutMs} ms` }), timeoutMs);
    const socket = factory(url, {
      open: () => socket.send(RemoEvent.authenticate, { token, key_position: true }),
      heard: () => {},
      frame: (frame) => {
        if (frame.e === RemoEvent.validated) {
          const identity = parseValidated(frame.d);
          done(identity ? { kind: "validated", identity } : { kind: "failed", why: "ROBOT_VALIDATED without a host" });
        } else if (frame.e === RemoEvent.invalidToken || frame.e === RemoEvent.error) {
          done({ kind: "refused", why: typeof frame.d === "string" ? frame.d.slice(0, 200) : frame.e });
        }
      },
      close: (reason) => done({ kind: "failed", why: reason }),
    });
  });
}

/**
 * `doctor` with `platform.protocol = "remo"`: the server takes the robot key and lists a channel for the
 * robot to join, as `run` will need. Opens one websocket to the server and one channel lookup.
 */
export async function checkRemoServer(platform: Config["platform"], deps: { fetch: typeof fetch; factory?: FrameSocketFactory }): Promise<RemoVerdict> {
  if (!platform.server) return { ok: false, detail: "platform.protocol = remo needs platform.server", hint: "set platform.server, e.g. https://remo.tv" };
  if (!platform.robot_key) return { ok: false, detail: "no platform.robot_key", hint: "put the robot's API key (from the Remo site, or `letsrobot serve robot add` on your own server) in platform.robot_key or LETSROBOT_PLATFORM_ROBOT_KEY" };
  const endpoints = remoEndpoints(platform);
  const answer = await authenticate(endpoints.socket, platform.robot_key, deps.factory ?? connectFrameSocket, platform.timeout_ms);
  if (answer.kind === "refused") return { ok: false, detail: `${endpoints.socket} refused the robot key (${answer.why})`, hint: "copy the robot's API key (from the Remo site, or `letsrobot serve robot add` on your own server) into platform.robot_key" };
  if (answer.kind === "failed") return { ok: false, detail: `${endpoints.socket}: ${answer.why}`, hint: `check that ${platform.server} is a Remo server and reachable` };
  try {
    const channels = await lookupChannels(endpoints.api, answer.identity.host, { fetch: deps.fetch, timeoutMs: platform.timeout_ms });
    const picked = pickChannel(channels, platform.channel);
    if (!picked) return { ok: false, detail: `the server accepted the robot key but lists no channel for ${answer.identity.host}`, hint: "add a channel to the robot's server on the Remo site" };
    const name = picked.channel.name || picked.channel.id;
    const note = !picked.byName && platform.channel ? ` (channel ${JSON.stringify(platform.channel)} not found)` : "";
    return { ok: true, detail: `the server accepted the robot key; the robot joins channel ${name} on ${answer.identity.host}${note}` };
  } catch (error) {
    return { ok: false, detail: `the server accepted the robot key, but the channel lookup failed: ${(error as Error).message}`, hint: `check that ${platform.server} answers /api/dev/channels/list` };
  }
}
