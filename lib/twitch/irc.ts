/**
 * Twitch IRC lines (docs/protocol.md section 3): IRCv3 message tags, prefix, command and parameters. Pure: text in,
 * a decoded message out. Twitch over websocket may put several `\r\n`-terminated lines in one frame.
 */

export interface IrcMessage {
  /** Tag values unescaped; a tag without `=` has the value "". */
  tags: Record<string, string>;
  /** `nick!user@host` or a server name; "" when absent. */
  prefix: string;
  /** Upper case (PRIVMSG, PING, NOTICE, 001, …). */
  command: string;
  /** Middle parameters and the trailing one (without its `:`), in order. */
  params: string[];
}

/** A chat message in a channel, with the Twitch tags a command policy needs. */
export interface ChatLine {
  /** Channel login without `#`, lower case. */
  channel: string;
  /** The sender's login name (lower case), from the prefix or the `login` tag. */
  login: string;
  /** The `display-name` tag, or the login when the tag is empty. */
  displayName: string;
  /** The `user-id` tag ("" when absent). */
  userId: string;
  /** Badge name → version, e.g. { broadcaster: "1", subscriber: "12" }. */
  badges: Record<string, string>;
  broadcaster: boolean;
  /** A moderator of the channel (the `mod` tag or a moderator badge), or the broadcaster. */
  mod: boolean;
  /** The message text; `/me` actions are unwrapped. */
  text: string;
  /** The `id` tag (message id), "" when absent. */
  id: string;
}

const escapes: Record<string, string> = { ":": ";", s: " ", "\\": "\\", r: "\r", n: "\n" };

/** Undo IRCv3 tag-value escaping: `\:` → `;`, `\s` → space, `\\`, `\r`, `\n`; other `\x` → `x`; a lone trailing `\` is dropped. */
export function unescapeTagValue(value: string): string {
  if (!value.includes("\\")) return value;
  let out = "";
  for (let i = 0; i < value.length; i++) {
    const char = value[i] as string;
    if (char !== "\\") {
      out += char;
      continue;
    }
    const next = value[i + 1];
    i += 1;
    if (next === undefined) break;
    out += escapes[next] ?? next;
  }
  return out;
}

function parseTags(text: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const part of text.split(";")) {
    if (!part) continue;
    const equals = part.indexOf("=");
    const key = equals === -1 ? part : part.slice(0, equals);
    tags[key] = equals === -1 ? "" : unescapeTagValue(part.slice(equals + 1));
  }
  return tags;
}

/** One IRC line (without the line ending) → message; undefined for an empty or malformed line. */
export function parseIrcLine(line: string): IrcMessage | undefined {
  let rest = line.replace(/\r?\n$/, "");
  let tags: Record<string, string> = {};
  let prefix = "";
  if (rest.startsWith("@")) {
    const space = rest.indexOf(" ");
    if (space === -1) return undefined;
    tags = parseTags(rest.slice(1, space));
    rest = rest.slice(space + 1).trimStart();
  }
  if (rest.startsWith(":")) {
    const space = rest.indexOf(" ");
    if (space === -1) return undefined;
    prefix = rest.slice(1, space);
    rest = rest.slice(space + 1).trimStart();
  }
  const params: string[] = [];
  const trailingAt = rest.indexOf(" :");
  const head = trailingAt === -1 ? rest : rest.slice(0, trailingAt);
  const words = head.split(" ").filter(Boolean);
  const command = words.shift()?.toUpperCase();
  if (!command) return undefined;
  params.push(...words);
  if (trailingAt !== -1) params.push(rest.slice(trailingAt + 2));
  return { tags, prefix, command, params };
}

/** Split a websocket frame into lines (Twitch may batch several), dropping empty ones. */
export function splitLines(frame: string): string[] {
  return frame.split(/\r?\n/).filter((line) => line.length > 0);
}

/** The nick part of a `nick!user@host` prefix. */
export function nickOf(prefix: string): string {
  const bang = prefix.indexOf("!");
  return (bang === -1 ? prefix : prefix.slice(0, bang)).toLowerCase();
}

/** `subscriber/12,broadcaster/1` → { subscriber: "12", broadcaster: "1" }. */
export function parseBadges(text: string): Record<string, string> {
  const badges: Record<string, string> = {};
  for (const part of text.split(",")) {
    if (!part) continue;
    const slash = part.indexOf("/");
    badges[slash === -1 ? part : part.slice(0, slash)] = slash === -1 ? "" : part.slice(slash + 1);
  }
  return badges;
}

const ACTION = /^\u0001ACTION (.*?)\u0001?$/s;

/** A PRIVMSG to a channel → chat line; undefined for anything else. */
export function toChatLine(message: IrcMessage): ChatLine | undefined {
  if (message.command !== "PRIVMSG") return undefined;
  const [target, body] = message.params;
  if (!target?.startsWith("#") || body === undefined) return undefined;
  const login = nickOf(message.prefix) || (message.tags.login ?? "").toLowerCase();
  if (!login) return undefined;
  const badges = parseBadges(message.tags.badges ?? "");
  const userId = message.tags["user-id"] ?? "";
  const broadcaster = "broadcaster" in badges || (userId !== "" && message.tags["room-id"] === userId);
  const mod = broadcaster || message.tags.mod === "1" || "moderator" in badges;
  return {
    channel: target.slice(1).toLowerCase(),
    login,
    displayName: message.tags["display-name"] || login,
    userId,
    badges,
    broadcaster,
    mod,
    text: ACTION.exec(body)?.[1] ?? body,
    id: message.tags.id ?? "",
  };
}

/**
 * The lines a client sends to log in and join, in order. An empty token logs in anonymously (read-only, no
 * PASS line; the nick must then be `justinfan<digits>`). The PASS line holds the token: never log it.
 */
export function loginLines(login: { nick: string; token: string; channel: string }): string[] {
  const caps = "CAP REQ :twitch.tv/tags twitch.tv/commands";
  const join = `JOIN #${login.channel}`;
  if (!login.token) return [caps, `NICK ${login.nick}`, join];
  const token = login.token.startsWith("oauth:") ? login.token : `oauth:${login.token}`;
  return [caps, `PASS ${token}`, `NICK ${login.nick}`, join];
}
