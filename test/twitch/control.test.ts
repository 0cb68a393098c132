import { describe, expect, test } from "bun:test";
import { buildVocabulary, commandFromChat, resolveCommand } from "../../lib/twitch/commands.ts";
import { ChatControl, type ChatPolicy, type Decision } from "../../lib/twitch/control.ts";
import type { ChatLine } from "../../lib/twitch/irc.ts";
import { VoteBox } from "../../lib/twitch/vote.ts";

/** A clock the test moves by hand. */
function manualClock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

const vocabulary = buildVocabulary({ prefixes: ["!"], aliases: {}, modOnly: [] });

describe("chat text → robot command", () => {
  test.each([
    ["!f", "F"],
    ["!F", "F"],
    ["!forward", "F"],
    ["!fwd please", "F"],
    ["  !left  ", "L"],
    ["!r", "R"],
    ["!back", "B"],
    ["!stop", "stop"],
    ["!s", "stop"],
    ["!up", "U"],
    ["!d", "D"],
    ["!f \u{E0000}", "F"],
    ["\u200B!f", "F"],
    ["!dance", undefined],
    ["f", undefined],
    ["! f", undefined],
    ["hello !f", undefined],
    ["!", undefined],
    ["", undefined],
  ])("%p → %p", (text, command) => {
    expect(commandFromChat(text, vocabulary)).toBe(command);
  });

  test.each([
    [{ prefixes: ["#"], aliases: {} }, "#f", "F"],
    [{ prefixes: ["#"], aliases: {} }, "!f", undefined],
    [{ prefixes: ["!", ""], aliases: {} }, "forward", "F"],
    [{ prefixes: ["!", ""], aliases: {} }, "forward march", "F"],
    [{ prefixes: ["!", ""], aliases: {} }, "hello", undefined],
    [{ prefixes: ["!!", "!"], aliases: { "!f": "B" } }, "!!f", "F"],
    [{ prefixes: ["!"], aliases: { dance: "LED_ON" } }, "!DANCE", "LED_ON"],
    [{ prefixes: ["!"], aliases: { F: "R" } }, "!f", "R"],
    [{ prefixes: ["!"], aliases: { u: "", up: "" } }, "!u", undefined],
    [{ prefixes: ["!"], aliases: { u: "", up: "" } }, "!d", "D"],
    [{ prefixes: ["robot "], aliases: {} }, "Robot left", "L"],
  ])("configured %j: %p → %p", (options, text, command) => {
    expect(commandFromChat(text, buildVocabulary({ ...options, modOnly: [] }))).toBe(command);
  });

  test.each([
    ["F", "F"],
    ["f", "F"],
    ["forward", "F"],
    ["STOP", "stop"],
    ["LED_ON", undefined],
    ["", undefined],
  ])("panel word %p → %p", (word, command) => {
    expect(resolveCommand(word, vocabulary)).toBe(command);
  });

  test("stop can never be mod-only", () => {
    expect([...buildVocabulary({ prefixes: ["!"], aliases: {}, modOnly: ["stop", "LED_ON"] }).modOnly]).toEqual(["led_on"]);
  });
});

describe("vote box", () => {
  test("majority wins when the window closes; one ballot per user, the last one counts", () => {
    const clock = manualClock();
    const box = new VoteBox(3000, clock.now);
    expect(box.cast("a", "F")).toEqual({ opened: true, closesAt: clock.now() + 3000 });
    expect(box.cast("b", "L")?.opened).toBe(false);
    box.cast("c", "L");
    box.cast("a", "L");
    box.cast("d", "F");
    clock.advance(2999);
    expect(box.closeIfDue()).toBeUndefined();
    clock.advance(1);
    expect(box.closeIfDue()).toEqual({ command: "L", votes: 3, total: 4, tally: [["L", 3], ["F", 1]] });
    expect(box.closesAt).toBeUndefined();
    expect(box.closeIfDue()).toBeUndefined();
  });

  test("a tie goes to the command whose earliest standing ballot came first", () => {
    const clock = manualClock();
    const box = new VoteBox(100, clock.now);
    box.cast("a", "R");
    box.cast("b", "F");
    box.cast("c", "F");
    box.cast("d", "R");
    clock.advance(100);
    expect(box.closeIfDue()?.command).toBe("R");
  });

  test("a full box refuses new voters but lets voters change their vote", () => {
    const box = new VoteBox(100, () => 0, 2);
    expect(box.cast("a", "F")).toBeDefined();
    expect(box.cast("b", "F")).toBeDefined();
    expect(box.cast("c", "L")).toBeUndefined();
    expect(box.cast("a", "L")).toBeDefined();
  });
});

const user = (login: string, extra: Partial<ChatLine> = {}): ((text: string) => ChatLine) => (text) => ({
  channel: "chan",
  login,
  displayName: login.toUpperCase(),
  userId: `id-${login}`,
  badges: {},
  broadcaster: false,
  mod: false,
  text,
  id: "",
  ...extra,
});

const policy = (overrides: Partial<ChatPolicy> = {}): ChatPolicy => ({
  mode: "direct",
  userCooldownMs: 1000,
  userPerMinute: 30,
  globalPerSecond: 10,
  voteWindowMs: 3000,
  ...overrides,
});

const summary = (d: Decision) => (d.kind === "send" ? `send ${d.command.command}` : d.kind === "vote" ? `vote ${d.command}` : `ignore ${d.reason}`);

describe("chat control, direct mode", () => {
  test("a command from a viewer is sent with who sent it", () => {
    const control = new ChatControl(policy(), vocabulary, () => 0);
    expect(control.handle(user("alice")("!f"))).toEqual({
      kind: "send",
      command: { source: "chat", command: "F", user: "ALICE", userId: "id-alice", anonymous: false, mod: false, role: "viewer", keyPosition: "" },
    });
  });

  test("per-user cooldown, other users unaffected, stop always passes", () => {
    const clock = manualClock();
    const control = new ChatControl(policy({ userCooldownMs: 1000 }), vocabulary, clock.now);
    const alice = user("alice");
    const steps: [number, (t: string) => ChatLine, string, string][] = [
      [0, alice, "!f", "send F"],
      [10, alice, "!l", "ignore cooldown"],
      [0, user("bob"), "!r", "send R"],
      [0, alice, "!stop", "send stop"],
      [0, alice, "hello", "ignore not_a_command"],
      [990, alice, "!b", "send B"],
    ];
    for (const [advance, who, text, expected] of steps) {
      clock.advance(advance);
      expect(summary(control.handle(who(text)))).toBe(expected);
    }
  });

  test("per-user rate per minute", () => {
    const clock = manualClock();
    const control = new ChatControl(policy({ userCooldownMs: 0, userPerMinute: 2, globalPerSecond: 0 }), vocabulary, clock.now);
    const got = ["!f", "!f", "!f"].map((t) => summary(control.handle(user("a")(t))));
    expect(got).toEqual(["send F", "send F", "ignore user_rate"]);
    clock.advance(30_000);
    expect(summary(control.handle(user("a")("!f")))).toBe("send F");
  });

  test("global rate across users; a refused command does not use up the user's cooldown", () => {
    const clock = manualClock();
    const control = new ChatControl(policy({ globalPerSecond: 2 }), vocabulary, clock.now);
    const got = ["a", "b", "c"].map((login) => summary(control.handle(user(login)("!f"))));
    expect(got).toEqual(["send F", "send F", "ignore global_rate"]);
    clock.advance(500);
    expect(summary(control.handle(user("c")("!f")))).toBe("send F");
  });

  test("mod-only commands", () => {
    const vocab = buildVocabulary({ prefixes: ["!"], aliases: { lights: "LED_ON" }, modOnly: ["LED_ON"] });
    const control = new ChatControl(policy({ userCooldownMs: 0 }), vocab, () => 0);
    expect(summary(control.handle(user("viewer")("!lights")))).toBe("ignore mod_only");
    const byMod = control.handle(user("mod", { mod: true })("!lights"));
    expect(byMod.kind === "send" && byMod.command.role).toBe("moderator");
    const byOwner = control.handle(user("owner", { mod: true, broadcaster: true })("!lights"));
    expect(byOwner.kind === "send" && byOwner.command.role).toBe("broadcaster");
  });
});

describe("chat control, vote mode", () => {
  test("ballots are collected, the winner is sent when the window closes, stop skips the vote", () => {
    const clock = manualClock();
    const control = new ChatControl(policy({ mode: "vote", voteWindowMs: 2000 }), vocabulary, clock.now);
    expect(summary(control.handle(user("a")("!f")))).toBe("vote F");
    expect(control.voteClosesAt).toBe(clock.now() + 2000);
    expect(summary(control.handle(user("b")("!l")))).toBe("vote L");
    expect(summary(control.handle(user("c")("!left")))).toBe("vote L");
    expect(summary(control.handle(user("a")("!r")))).toBe("ignore cooldown");
    expect(summary(control.handle(user("d")("!stop")))).toBe("send stop");
    expect(control.tick()).toBeUndefined();
    clock.advance(2000);
    expect(control.tick()).toMatchObject({ command: "L", user: "twitch-vote", votes: { winner: 2, total: 2 + 1 } });
    expect(control.voteClosesAt).toBeUndefined();
  });
});

describe("properties over random chat", () => {
  /** A small deterministic PRNG so a failure can be replayed. */
  function random(seed: number) {
    let s = seed >>> 0;
    return () => {
      s = (s * 1664525 + 1013904223) >>> 0;
      return s / 2 ** 32;
    };
  }
  const texts = ["!f", "!b", "!l", "!r", "!stop", "hello", "!dance", "!F", "!forward"];

  test("every !stop is sent; no user beats the cooldown or rate; the global rate holds (2,000 sequences)", () => {
    for (let seed = 1; seed <= 2000; seed++) {
      const rand = random(seed);
      const clock = manualClock(0);
      const p = policy({ userCooldownMs: 500, userPerMinute: 5, globalPerSecond: 3 });
      const control = new ChatControl(p, vocabulary, clock.now);
      const sentAt = new Map<string, number[]>();
      const allSent: number[] = [];
      for (let i = 0; i < 60; i++) {
        clock.advance(Math.floor(rand() * 300));
        const login = `u${Math.floor(rand() * 4)}`;
        const text = texts[Math.floor(rand() * texts.length)] ?? "!f";
        const decision = control.handle(user(login)(text));
        if (text === "!stop") expect(summary(decision)).toBe("send stop");
        if (decision.kind !== "send" || decision.command.command === "stop") continue;
        const times = sentAt.get(login) ?? [];
        const last = times.at(-1);
        if (last !== undefined) expect(clock.now() - last).toBeGreaterThanOrEqual(500);
        times.push(clock.now());
        sentAt.set(login, times);
        // a bucket of capacity c refilling r per ms lets at most floor(c + r·W) through in any window W
        expect(times.filter((t) => t > clock.now() - 3000).length).toBeLessThanOrEqual(Math.floor(5 + (5 / 60_000) * 3000));
        allSent.push(clock.now());
        expect(allSent.filter((t) => t > clock.now() - 250).length).toBeLessThanOrEqual(Math.floor(3 + (3 / 1000) * 250));
      }
    }
  });
});
