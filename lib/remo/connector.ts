import type { Config } from "../config/schema.ts";
import type { Deps } from "../deps.ts";
import { ConfigError } from "../errors.ts";
import { scanDevices } from "../media/devices.ts";
import type { Connector } from "../robot/connector.ts";
import { type HandlerContext, hearChat, obeyCommand } from "../robot/handlers.ts";
import { lookupChannels, remoEndpoints } from "./endpoints.ts";
import { RemoLink } from "./link.ts";
import { createRemoMedia, lateMedia } from "./media.ts";
import type { RemoChat } from "./protocol.ts";
import { connectFrameSocket } from "./socket.ts";

export type RemoConnectorDeps = Pick<Deps, "fetch" | "env" | "shutdown">;

/** The server vouches for its badges: an owner or moderator badge gives the sender that role here. */
function learnRoles(ctx: HandlerContext, config: Config, message: RemoChat): void {
  if (!message.user || message.anonymous) return;
  if (message.badges.includes("owner") && !config.platform.owner) ctx.roles = { ...ctx.roles, owner: message.user };
  const known = ctx.roles.moderators.some((m) => m.toLowerCase() === message.user.toLowerCase());
  if (message.badges.includes("moderator") && !known) ctx.roles = { ...ctx.roles, moderators: [...ctx.roles.moderators, message.user] };
}

/**
 * `platform.protocol = "remo"`: one Remo websocket carries commands and chat (authenticate, look up and join
 * the channel); replies to chat commands are said back in the channel's chat. Streams start once the robot
 * has joined its channel, because the upload URL names the channel.
 */
export function remoConnector(config: Config, deps: RemoConnectorDeps): Connector {
  return {
    name: "Remo",
    async open({ log, clock, emit, signal }) {
      if (!config.platform.server) throw new ConfigError("platform.protocol = remo needs platform.server (the Remo server's URL)", "set platform.server, e.g. https://remo.tv, or use protocol = letsrobot for the local platform");
      if (!config.platform.robot_key) throw new ConfigError("platform.protocol = remo needs platform.robot_key (the robot's API key from the Remo site)", "put robot_key in letsrobot.toml (mode 600) or LETSROBOT_PLATFORM_ROBOT_KEY");
      const endpoints = remoEndpoints(config.platform);
      const media = lateMedia();
      // Remo has no settings lookup: the robot's own config is the reference
      const settings = { xres: config.video.width, yres: config.video.height, micEnabled: config.audio.enabled, raw: {} };
      return {
        config,
        robotId: config.platform.robot_id,
        roles: { owner: config.platform.owner, moderators: [] },
        settings,
        fetchSettings: async () => settings,
        startMedia: async () => media,
        connect(core) {
          const { ctx } = core;
          let online = false;
          const link: RemoLink = new RemoLink({
            url: endpoints.socket,
            token: config.platform.robot_key,
            channelName: config.platform.channel,
            lookupChannels: (host) => lookupChannels(endpoints.api, host, { fetch: deps.fetch, timeoutMs: config.platform.timeout_ms, signal }),
            factory: connectFrameSocket,
            clock,
            connectTimeoutMs: config.platform.timeout_ms * 2,
            livenessMs: config.behaviour.liveness_s * 1000,
            log,
            onState: (state, detail) => {
              emit({ type: "link", link: "remo", state, detail });
              core.commandLink(state);
            },
            onJoined: (joined) => {
              ctx.robotId = joined.id;
              if (online) return;
              online = true;
              emit({ type: "online", robot_id: joined.id });
              log.success(`joined Remo channel ${joined.channel.name || joined.channel.id} on ${joined.host}`);
              if (!config.video.enabled && !config.audio.enabled) return;
              // Remo.tv's relay listens on its own port; `letsrobot serve` takes uploads on its one port
              if (!config.platform.transmit_url) log.info(`video and audio go to ${endpoints.transmit} (platform.transmit_url is empty: Remo's relay port; on a letsrobot serve, set transmit_url to the server's URL)`);
              try {
                const where = { transmit: endpoints.transmit, channelId: () => link.where?.channel.id, robotKey: config.platform.robot_key, devices: scanDevices(deps.env) };
                media.attach(createRemoMedia({ config, ...where }, { log, fetch: deps.fetch, shutdown: deps.shutdown, interactive: false }));
              } catch (error) {
                log.warn(`running without video: ${(error as Error).message}`);
              }
            },
            onCommand: (command) => obeyCommand(ctx, command),
            onChat: (message) => {
              learnRoles(ctx, config, message);
              hearChat(ctx, message);
            },
          });
          link.start();
          return { links: () => [link.status()], say: (text) => void link.say(text), close: () => link.close() };
        },
      };
    },
  };
}
