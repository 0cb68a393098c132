import { describe, expect, test } from "bun:test";
import { parseConfigText } from "../../lib/config/load.ts";
import { defaults, secretsOf } from "../../lib/config/schema.ts";
import { envLayer, merge } from "../../lib/config/validate.ts";
import { chatPlan, extensionPlan, randomAnonymousNick } from "../../lib/twitch/plan.ts";
import { twitchConfig } from "./helpers.ts";
import { channelId, clientId, secret } from "./tokens.ts";

describe("[twitch] config section", () => {
  test("is off by default and reads from a file", () => {
    expect(defaults().twitch).toMatchObject({ chat: false, extension: false, prefixes: ["!"], irc_url: "wss://irc-ws.chat.twitch.tv:443", mode: "direct" });
    const layer = parseConfigText('[twitch]\nchat = true\nchannel = "robochan"\nprefixes = ["!", "#"]\naliases = { dance = "LED_ON" }\nmode = "vote"\n', "t.toml");
    expect(merge(defaults(), layer).twitch).toMatchObject({ chat: true, channel: "robochan", prefixes: ["!", "#"], aliases: { dance: "LED_ON" }, mode: "vote" });
  });

  test("secrets come from the environment and are known secrets (redacted from logs)", () => {
    const env = envLayer({ LETSROBOT_TWITCH_OAUTH_TOKEN: "tok-123456", LETSROBOT_TWITCH_EXT_SECRET: secret, LETSROBOT_TWITCH_PREFIXES: "!,#" });
    const config = merge(defaults(), env);
    expect(config.twitch.prefixes).toEqual(["!", "#"]);
    expect(secretsOf(config)).toEqual(expect.arrayContaining(["tok-123456", secret]));
  });

  test("a bad mode names the key and the choices", () => {
    expect(() => parseConfigText('[twitch]\nmode = "anarchy"\n', "t.toml")).toThrow(/twitch\.mode: expected one of "direct", "vote"/);
  });
});

describe("chat plan", () => {
  test("anonymous when no login and no token", () => {
    const plan = chatPlan(twitchConfig({ channel: "#RoboChan" }), () => "justinfan12345");
    expect(plan).toMatchObject({ channel: "robochan", nick: "justinfan12345", token: "", url: "wss://irc-ws.chat.twitch.tv/" });
    expect(randomAnonymousNick()).toMatch(/^justinfan\d{5}$/);
  });

  test("a bot login is lower-cased and keeps its token", () => {
    expect(chatPlan(twitchConfig({ bot_login: "MyRobot", oauth_token: " oauth:abc " }))).toMatchObject({ nick: "myrobot", token: "oauth:abc" });
  });

  test("limits and mode carry over", () => {
    const plan = chatPlan(twitchConfig({ mode: "vote", vote_window_ms: 500, user_cooldown_ms: 0, user_per_minute: 5, global_per_second: 2 }));
    expect(plan.policy).toEqual({ mode: "vote", voteWindowMs: 500, userCooldownMs: 0, userPerMinute: 5, globalPerSecond: 2 });
  });
});

describe("extension plan", () => {
  const config = (overrides = {}) => twitchConfig({ ext_secret: secret, ext_client_id: clientId, ext_channel_id: channelId, ...overrides });

  test("decodes the secret and derives the panel origin", () => {
    const plan = extensionPlan(config({ ext_path: "twitch/ext/", ext_origins: ["https://localhost:8080"] }));
    expect(Buffer.from(plan.key).toString("base64")).toBe(secret);
    expect(plan.origins).toEqual([`https://${clientId}.ext-twitch.tv`, "https://localhost:8080"]);
    expect(plan.path).toBe("/twitch/ext");
  });
});
