/**
 * The `[twitch]` config section → checked, typed plans for the chat client and the extension backend.
 * Pure: throws ConfigError naming the key and the fix.
 */
import type { Config } from "../config/schema.ts";
import { ConfigError } from "../errors.ts";
import { buildVocabulary, type Vocabulary } from "./commands.ts";
import type { ChatPolicy } from "./control.ts";

export type TwitchConfig = Config["twitch"];

export interface ChatPlan {
  url: string;
  channel: string;
  nick: string;
  /** "" = anonymous read-only login. Secret: never log. */
  token: string;
  policy: ChatPolicy;
  vocabulary: Vocabulary;
}

export interface ExtensionPlan {
  /** Path prefix, no trailing slash, e.g. /twitch/ext. */
  path: string;
  /** The decoded extension secret (HMAC key). Secret: never log. */
  key: Uint8Array;
  channelId: string;
  /** Exact origins allowed to call the backend. */
  origins: string[];
  userPerSecond: number;
  allowAnonymous: boolean;
  vocabulary: Vocabulary;
}

const channelName = /^[a-z0-9_]{1,25}$/;

function vocabularyOf(config: TwitchConfig): Vocabulary {
  return buildVocabulary({ prefixes: config.prefixes, aliases: config.aliases, modOnly: config.mod_only });
}

/** Check the chat keys; `anonymousNick` picks the justinfan name when no token is set. */
export function chatPlan(config: TwitchConfig, anonymousNick: () => string = randomAnonymousNick): ChatPlan {
  const channel = config.channel.trim().replace(/^#/, "").toLowerCase();
  if (!channel) throw new ConfigError("twitch.channel is empty", "set twitch.channel to the channel's login name, e.g. channel = \"mychannel\"");
  if (!channelName.test(channel))
    throw new ConfigError(`twitch.channel: "${config.channel}" is not a Twitch login name`, "use the name from the channel's URL: letters, digits and _");
  let url: URL;
  try {
    url = new URL(config.irc_url);
  } catch (error) {
    throw new ConfigError(`twitch.irc_url: "${config.irc_url}" is not a URL`, "use wss://irc-ws.chat.twitch.tv:443", { cause: error });
  }
  if (url.protocol !== "ws:" && url.protocol !== "wss:")
    throw new ConfigError(`twitch.irc_url must start with ws:// or wss://, got ${url.protocol}//`, "use wss://irc-ws.chat.twitch.tv:443");
  const token = config.oauth_token.trim();
  const login = config.bot_login.trim().toLowerCase();
  if (token && !login) throw new ConfigError("twitch.oauth_token is set but twitch.bot_login is empty", "set bot_login to the account the token belongs to");
  if (login && !token)
    throw new ConfigError("twitch.bot_login is set but twitch.oauth_token is empty", "set LETSROBOT_TWITCH_OAUTH_TOKEN, or clear bot_login to read chat anonymously");
  if (login && !channelName.test(login)) throw new ConfigError(`twitch.bot_login: "${config.bot_login}" is not a Twitch login name`, "letters, digits and _");
  if (config.prefixes.length === 0) throw new ConfigError("twitch.prefixes is empty", 'use ["!"], or [""] for bare words');
  return {
    url: url.href,
    channel,
    nick: login || anonymousNick(),
    token,
    policy: {
      mode: config.mode === "vote" ? "vote" : "direct",
      userCooldownMs: config.user_cooldown_ms,
      userPerMinute: config.user_per_minute,
      globalPerSecond: config.global_per_second,
      voteWindowMs: config.vote_window_ms,
    },
    vocabulary: vocabularyOf(config),
  };
}

export function randomAnonymousNick(): string {
  return `justinfan${10_000 + Math.floor(Math.random() * 89_999)}`;
}

/** Check the extension keys; decodes the base64 secret. */
export function extensionPlan(config: TwitchConfig): ExtensionPlan {
  const secret = config.ext_secret.trim();
  if (!secret) throw new ConfigError("twitch.ext_secret is empty", "copy the extension secret from the Twitch developer console into LETSROBOT_TWITCH_EXT_SECRET or the [twitch] section");
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(secret) || secret.length % 4 !== 0)
    throw new ConfigError("twitch.ext_secret is not base64", "paste the secret exactly as the developer console shows it");
  const key = new Uint8Array(Buffer.from(secret, "base64"));
  if (key.length < 16) throw new ConfigError("twitch.ext_secret is too short to be an extension secret", "paste the whole secret");
  const channelId = config.ext_channel_id.trim();
  if (!/^\d+$/.test(channelId))
    throw new ConfigError("twitch.ext_channel_id must be the channel's numeric id", "find it in the developer console or with the Twitch API users endpoint");
  const clientId = config.ext_client_id.trim().toLowerCase();
  if (!/^[a-z0-9]+$/.test(clientId)) throw new ConfigError("twitch.ext_client_id must be the extension's Client ID", "copy it from the extension's page in the developer console");
  const origins = [`https://${clientId}.ext-twitch.tv`];
  for (const origin of config.ext_origins) {
    let parsed: URL;
    try {
      parsed = new URL(origin);
    } catch (error) {
      throw new ConfigError(`twitch.ext_origins: "${origin}" is not an origin`, "write it as scheme://host[:port], e.g. https://localhost:8080", { cause: error });
    }
    if (parsed.origin !== origin.replace(/\/$/, "")) throw new ConfigError(`twitch.ext_origins: "${origin}" is not an origin`, "no path: scheme://host[:port]");
    origins.push(parsed.origin);
  }
  const path = `/${config.ext_path.trim().replace(/^\/+|\/+$/g, "")}`;
  if (path === "/") throw new ConfigError("twitch.ext_path must not be /", "use a path such as /twitch/ext");
  return {
    path,
    key,
    channelId,
    origins,
    userPerSecond: config.ext_user_per_second,
    allowAnonymous: config.ext_allow_anonymous,
    vocabulary: vocabularyOf(config),
  };
}
