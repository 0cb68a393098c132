import { describe, expect, test } from "bun:test";
import { type ChatCommandContext, parseChatCommand, runChatCommand } from "../../lib/robot/chat-commands.ts";
import { newModeration, refusal, roleOf } from "../../lib/robot/moderation.ts";

const roles = { owner: "Alice", moderators: ["bob"] };
const behaviour = { owner_commands: true, mod_commands: true, anonymous_control: true };
const alice = { user: "alice", anonymous: false };
const bob = { user: "Bob", anonymous: false };
const eve = { user: "eve", anonymous: false };
const anon = { user: "", anonymous: true };
const forward = { kind: "drive", left: 1, right: 1 } as const;
const left = { kind: "drive", left: -1, right: 1 } as const;

function ctx(now = 0): ChatCommandContext {
  return { state: newModeration(), roles, behaviour, now };
}
const run = (c: ChatCommandContext, text: string, sender = alice) => runChatCommand(parseChatCommand(text)!, sender, c);

describe("chat command parsing", () => {
  test.each([
    [".table on", { name: "table", args: ["on"] }],
    [".TIMEOUT  eve   30", { name: "timeout", args: ["eve", "30"] }],
    [".help", { name: "help", args: [] }],
    [". ", undefined],
    ["hello", undefined],
  ])("%p", (text, expected) => expect(parseChatCommand(text)).toEqual(expected as never));
});

describe("roles", () => {
  test.each([
    [alice, "owner"],
    [{ user: "ALICE", anonymous: false }, "owner"],
    [bob, "moderator"],
    [eve, "user"],
    [anon, "anonymous"],
    [{ user: "alice", anonymous: true }, "anonymous"],
  ])("%p is %p", (sender, role) => expect(roleOf(sender, roles)).toBe(role as never));
});

describe("owner and moderator commands", () => {
  test.each([
    [".table on", { kind: "state" }],
    [".tts mute", { kind: "tts-mute", muted: true }],
    [".tts unmute", { kind: "tts-mute", muted: false }],
    [".tts vol 40", { kind: "tts-volume", volume: 40 }],
    [".mic mute", { kind: "mic-mute", muted: true }],
    [".video stop", { kind: "video", op: "stop" }],
    [".video restart", { kind: "video", op: "restart" }],
    [".video bitrate 600", { kind: "video-bitrate", kbps: 600 }],
    [".audio start", { kind: "audio", op: "start" }],
    [".stop", { kind: "stop" }],
  ])("owner: %p", (text, effect) => {
    const result = run(ctx(), text);
    expect(result.refused).toBeUndefined();
    if (effect.kind !== "state") expect(result.effects).toEqual([effect as never]);
  });

  test.each([
    [".tts vol 101"],
    [".tts loud"],
    [".video bitrate 10"],
    [".video sideways"],
    [".timeout eve -5"],
    [".timeout eve 1.5"],
    [".table maybe"],
    [".ban"],
    [".devmode always"],
    [".nonsense"],
  ])("bad arguments are refused with usage: %p", (text) => {
    const result = run(ctx(), text);
    expect(result.refused).toBe(true);
    expect(result.reply).toMatch(/usage|unknown/);
  });

  test("a non-owner's command is refused and changes nothing", () => {
    const c = ctx();
    const result = run(c, ".table on", eve);
    expect(result.refused).toBe(true);
    expect(result.reply).toContain("eve is not the owner");
    expect(c.state.table).toBe(false);
    expect(run(c, ".stop", anon).refused).toBe(true);
  });

  test("moderators may moderate users but not the owner or each other", () => {
    const c = ctx();
    expect(run(c, ".ban eve", bob).refused).toBeUndefined();
    expect(c.state.banned.has("eve")).toBe(true);
    expect(run(c, ".ban alice", bob).refused).toBe(true);
    expect(run(c, ".ban alice", alice).refused).toBe(true);
  });

  test("mod_commands = false leaves only the owner", () => {
    const c = { ...ctx(), behaviour: { owner_commands: true, mod_commands: false } };
    expect(run(c, ".table on", bob).refused).toBe(true);
    expect(run(c, ".table on", alice).refused).toBeUndefined();
  });

  test(".help works for everyone", () => {
    expect(run(ctx(), ".help", anon).reply).toContain(".table on|off");
  });
});

describe("who may drive", () => {
  test("table mode blocks forward/back, not turns, for everyone", () => {
    const c = ctx();
    run(c, ".table on");
    expect(refusal(c.state, eve, forward, roles, behaviour, 0)).toContain("table");
    expect(refusal(c.state, alice, forward, roles, behaviour, 0)).toContain("table");
    expect(refusal(c.state, eve, left, roles, behaviour, 0)).toBeUndefined();
    run(c, ".table off");
    expect(refusal(c.state, eve, forward, roles, behaviour, 0)).toBeUndefined();
  });

  test("ban, timeout with expiry, untimeout", () => {
    const c = ctx(1000);
    run(c, ".timeout eve 30");
    expect(refusal(c.state, eve, left, roles, behaviour, 30_999)).toContain("timed out");
    expect(refusal(c.state, eve, left, roles, behaviour, 31_000)).toBeUndefined();
    run(c, ".timeout eve");
    expect(c.state.timeouts.get("eve")).toBe(1000 + 300_000);
    run(c, ".untimeout eve");
    expect(refusal(c.state, eve, left, roles, behaviour, 2000)).toBeUndefined();
    run(c, ".ban EVE");
    expect(refusal(c.state, eve, left, roles, behaviour, 2000)).toContain("banned");
    run(c, ".unban eve");
    expect(refusal(c.state, eve, left, roles, behaviour, 2000)).toBeUndefined();
  });

  test("exclusive control by chat and by the platform event", () => {
    const c = ctx();
    run(c, ".exclusive eve");
    expect(refusal(c.state, bob, left, roles, behaviour, 0)).toContain("eve has exclusive control");
    expect(refusal(c.state, eve, left, roles, behaviour, 0)).toBeUndefined();
    expect(refusal(c.state, alice, left, roles, behaviour, 0)).toBeUndefined();
    run(c, ".exclusive off");
    c.state.platformExclusive = "bob";
    expect(refusal(c.state, eve, left, roles, behaviour, 0)).toContain("bob has exclusive");
  });

  test("dev mode and anonymous control", () => {
    const c = ctx();
    run(c, ".devmode mods");
    expect(refusal(c.state, bob, left, roles, behaviour, 0)).toBeUndefined();
    expect(refusal(c.state, eve, left, roles, behaviour, 0)).toContain("dev mode");
    run(c, ".devmode on");
    expect(refusal(c.state, bob, left, roles, behaviour, 0)).toContain("only the owner");
    run(c, ".devmode off");
    expect(refusal(c.state, anon, left, roles, { anonymous_control: false }, 0)).toContain("anonymous");
    expect(refusal(c.state, anon, left, roles, behaviour, 0)).toBeUndefined();
  });
});
