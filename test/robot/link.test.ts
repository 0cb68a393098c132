import { describe, expect, test } from "bun:test";
import { createLogger } from "../../lib/log.ts";
import type { LinkState } from "../../lib/robot/link-status.ts";
import { RobotLink } from "../../lib/letsrobot/link.ts";
import { FakeClock, fakeFactory } from "./fakes.ts";

const tick = () => new Promise<void>((r) => queueMicrotask(r));

function setup(overrides: { livenessMs?: number } = {}) {
  const clock = new FakeClock();
  const { factory, channels } = fakeFactory();
  const states: { at: number; state: LinkState; detail?: string }[] = [];
  const events: unknown[] = [];
  let relookups = 0;
  const link = new RobotLink({
    name: "control",
    url: () => "http://127.0.0.1:1",
    factory,
    auth: { robot_key: "k" },
    identify: { event: "robot_id", data: "100" },
    handlers: { command_to_robot: (d) => events.push(d) },
    clock,
    livenessMs: overrides.livenessMs ?? 15_000,
    relookup: async () => {
      relookups += 1;
    },
    onState: (state, detail) => states.push({ at: clock.now(), state, detail }),
    random: () => 0.5,
  });
  return { clock, channels, states, events, link, relookups: () => relookups };
}

describe("robot link", () => {
  test("identifies on every (re)connect; events reach the handler", async () => {
    const { clock, channels, events, link } = setup();
    link.start();
    channels[0]?.accept();
    await tick();
    expect(channels[0]?.emitted[0]).toEqual({ event: "robot_id", data: "100" });
    expect(channels[0]?.options).toMatchObject({ reconnect: false, auth: { robot_key: "k" } });
    channels[0]?.push("command_to_robot", { command: "F" });
    expect(events).toEqual([{ command: "F" }]);
    channels[0]?.drop();
    clock.advance(2000);
    expect(channels).toHaveLength(2);
    channels[1]?.accept();
    expect(channels[1]?.emitted[0]?.event).toBe("robot_id");
    expect(link.status()).toMatchObject({ state: "connected", connects: 2 });
  });

  test("default liveness: a connected but silent server is detected within 15 s", async () => {
    const { clock, channels, states, link } = setup();
    link.start();
    channels[0]?.accept();
    await tick(); // the identify is acked: the server is known to answer
    const channel = channels[0]!;
    for (let t = 0; t < 30; t++) {
      clock.advance(1000);
      await tick();
    }
    expect(states.filter((s) => s.state === "down")).toHaveLength(0); // healthy: acks keep it alive
    channel.acking = false; // now silent, TCP still "connected"
    const silentFrom = clock.now();
    for (let t = 0; t < 200 && !states.some((s) => s.state === "down"); t++) {
      clock.advance(100);
      await tick();
    }
    const down = states.find((s) => s.state === "down");
    expect(down?.detail).toMatch(/server silent/);
    expect(down!.at - silentFrom).toBeLessThanOrEqual(15_000);
    expect(channel.closed).toBe(true);
  });

  test("a server that never acks: one retry, then it is trusted and re-identified every 60 s", async () => {
    const { clock, channels, states, link } = setup();
    link.start();
    channels[0]!.acking = false;
    channels[0]!.accept();
    clock.advance(15_000);
    expect(states.at(-1)).toMatchObject({ state: "down", detail: "no answer to robot_id within 15000 ms" });
    clock.advance(2000);
    const second = channels[1]!;
    second.acking = false;
    second.accept();
    clock.advance(121_000);
    await tick();
    expect(channels).toHaveLength(2);
    expect(states.at(-1)?.state).toBe("connected");
    expect(second.emitted.filter((e) => e.event === "robot_id").length).toBeGreaterThanOrEqual(3);
    expect(second.emitted.filter((e) => e.event === "robot_id").length).toBeLessThanOrEqual(8);
  });

  test("silence right after connect (before the first ack) is detected too", async () => {
    const { clock, channels, states, link } = setup();
    link.start();
    channels[0]!.acking = false;
    channels[0]!.accept();
    clock.advance(15_000);
    expect(states.filter((s) => s.state === "down")).toHaveLength(1);
    expect(states.at(-1)?.at).toBe(15_000);
  });

  test("refused connections retry with capped backoff and re-lookup every 3 failures", async () => {
    const { clock, channels, link, relookups } = setup();
    link.start();
    const attempts: number[] = [];
    for (let i = 0; i < 8; i++) {
      attempts.push(clock.now());
      channels[i]?.refuse();
      for (let t = 0; t < 100 && channels.length === i + 1; t++) {
        clock.advance(50);
        await tick();
      }
    }
    const gaps = attempts.slice(1).map((a, i) => a - (attempts[i] ?? 0));
    expect(Math.max(...gaps)).toBeLessThanOrEqual(2050);
    expect(gaps[0]).toBeLessThan(gaps[3] ?? 0);
    expect(relookups()).toBe(2);
  });

  test("a handshake that never completes times out and retries", () => {
    const { clock, channels, states, link } = setup();
    link.start();
    clock.advance(5000);
    expect(states.find((s) => s.state === "down")?.detail).toMatch(/no connection within 5000 ms/);
    clock.advance(2000);
    expect(channels).toHaveLength(2);
  });

  test("a refused identify (wrong robot key) is no sign of life: state refused, one error, retried after the liveness deadline", async () => {
    const clock = new FakeClock();
    const { factory, channels } = fakeFactory();
    const errors: string[] = [];
    const states: LinkState[] = [];
    const log = createLogger("silent");
    log.error = ((message: string) => void errors.push(message)) as typeof log.error;
    const link = new RobotLink({ name: "chat", url: () => "http://127.0.0.1:1", factory, identify: { event: "identify_robot_id", data: "100" }, handlers: {}, clock, livenessMs: 15_000, log, onState: (s) => states.push(s), random: () => 0.5 });
    link.start();
    const refusal = { ok: false, error: "bad_key", message: "wrong robot key" };
    channels[0]!.reply = refusal;
    channels[0]!.accept();
    await tick();
    expect(link.status()).toMatchObject({ state: "refused", refused: "bad_key: wrong robot key" });
    expect(link.connected).toBe(false);
    for (let t = 0; t < 14; t++) {
      clock.advance(1000);
      await tick();
    }
    expect(channels).toHaveLength(1); // still waiting out the liveness deadline
    clock.advance(1000); // 15 s without a sign of life: drop it and try again
    clock.advance(1000);
    expect(channels).toHaveLength(2);
    channels[1]!.reply = refusal;
    channels[1]!.accept();
    await tick();
    expect(link.status().state).toBe("refused");
    expect(errors).toEqual(["chat socket: the server refused the robot: bad_key: wrong robot key"]); // once, not per connection
    clock.advance(17_000);
    channels[2]!.reply = { ok: true };
    channels[2]!.accept();
    await tick();
    expect(link.status()).toMatchObject({ state: "connected" });
    expect(link.status().refused).toBeUndefined();
    expect(states).toEqual(["connecting", "connected", "refused", "down", "connecting", "connected", "refused", "down", "connecting", "connected"]);
    link.close();
  });

  test("close stops every timer and the socket", async () => {
    const { clock, channels, link } = setup();
    link.start();
    channels[0]?.accept();
    await tick();
    link.close();
    expect(channels[0]?.closed).toBe(true);
    expect(clock.pending()).toBe(0);
    expect(link.emit("x", 1)).toBe(false);
  });
});
