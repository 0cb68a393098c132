import { describe, expect, test } from "bun:test";
import { UsageError } from "../../lib/errors.ts";
import { executeSteps, HOLD_REFRESH_MS } from "../../lib/send/execute.ts";
import { parseScript, type Step, stepsFromFlags } from "../../lib/send/steps.ts";
import type { SendResult } from "../../lib/send/viewer.ts";

const cmd = (command: string, keyPosition: "" | "down" | "up" = ""): Step => ({ kind: "command", command, keyPosition });

describe("steps from flags", () => {
  test.each([
    [{ command: "F" }, [cmd("F")]],
    [{ command: " stop " }, [cmd("stop")]],
    [{ command: "F", hold: "300" }, [cmd("F", "down"), { kind: "wait", ms: 300 }, cmd("F", "up")]],
    [{ command: "L", repeat: "3", interval: "50" }, [cmd("L"), { kind: "wait", ms: 50 }, cmd("L"), { kind: "wait", ms: 50 }, cmd("L")]],
    [{ command: "R", repeat: "2" }, [cmd("R"), cmd("R")]],
    [{ chat: "hello robot" }, [{ kind: "chat", text: "hello robot" }]],
    [{ click: "0.25,0.5" }, [{ kind: "click", data: "mousedown:0.25000:0.50000" }]],
    [{ click: "1 0" }, [{ kind: "click", data: "mousedown:1.00000:0.00000" }]],
  ] as [Parameters<typeof stepsFromFlags>[0], Step[]][])("%p", (flags, steps) => {
    expect(stepsFromFlags(flags)).toEqual(steps);
  });

  test.each([
    [{}, /nothing to send/],
    [{ command: "" }, /empty command/],
    [{ command: "   " }, /empty command/],
    [{ command: "go forward" }, /not a command/],
    [{ chat: "" }, /empty chat message/],
    [{ chat: "x".repeat(501) }, /limit is 500/],
    [{ command: "F", chat: "hi" }, /one of a command, --chat or --click/],
    [{ click: "0.5,0.5", chat: "hi" }, /one of a command, --chat or --click/],
    [{ click: "1.5,0.5" }, /a click is X,Y from 0 to 1/],
    [{ click: "0.5" }, /a click is X,Y from 0 to 1/],
    [{ click: "left,top" }, /a click is X,Y from 0 to 1/],
    [{ command: "F", hold: "-1" }, /--hold must be a whole number/],
    [{ command: "F", repeat: "0" }, /--repeat must be a whole number from 1/],
    [{ command: "F", interval: "soon" }, /--interval must be a whole number/],
  ] as [Parameters<typeof stepsFromFlags>[0], RegExp][])("rejects %p", (flags, message) => {
    expect(() => stepsFromFlags(flags)).toThrow(message);
    expect(() => stepsFromFlags(flags)).toThrow(UsageError);
  });
});

describe("scripts", () => {
  test("every step kind, comments and blank lines", () => {
    const text = "# drive a square\nF\nwait 100\nhold L 250\n\nchat  hi there \nclick 0.1 0.9\nstop\n";
    expect(parseScript(text)).toEqual([cmd("F"), { kind: "wait", ms: 100 }, cmd("L", "down"), { kind: "wait", ms: 250 }, cmd("L", "up"), { kind: "chat", text: "hi there" }, { kind: "click", data: "mousedown:0.10000:0.90000" }, cmd("stop")]);
  });

  test.each([
    ["wait soon", /robot\.txt:1: "wait" takes milliseconds/],
    ["F\nhold F", /robot\.txt:2: "hold" takes a command and milliseconds/],
    ["F\n\nfly away now", /robot\.txt:3: "fly away now" is not a step/],
    ["# nothing\n", /has no steps/],
    ["chat   ", /robot\.txt:1: empty chat message/],
  ])("%p is refused with its line", (text, message) => {
    expect(() => parseScript(text, "robot.txt")).toThrow(message);
  });
});

describe("holding", () => {
  const recorder = (refused?: string) => {
    const log: { what: string; at: number }[] = [];
    const started = performance.now();
    const sink = {
      async send(step: Exclude<Step, { kind: "wait" }>, index: number): Promise<SendResult> {
        log.push({ what: step.kind === "command" ? `${step.command}${step.keyPosition}` : step.kind === "chat" ? step.text : step.data, at: performance.now() - started });
        return { step: index, kind: step.kind, sent_at: new Date().toISOString(), ack: true };
      },
      async refresh(command: string): Promise<void> {
        log.push({ what: `${command}refresh`, at: performance.now() - started });
        if (refused) throw new Error(refused);
      },
    };
    return { log, sink };
  };

  test("a hold refreshes its down every HOLD_REFRESH_MS, then releases", async () => {
    const { log, sink } = recorder();
    await executeSteps(parseScript("hold F 1000\nwait 300\n"), sink, () => {});
    const refreshes = log.filter((e) => e.what === "Frefresh");
    expect(log[0]?.what).toBe("Fdown");
    expect(log.filter((e) => e.what === "Fup")).toHaveLength(1);
    expect(refreshes.length).toBeGreaterThanOrEqual(Math.floor(1000 / HOLD_REFRESH_MS) - 1);
    const gaps = [log[0]!, ...refreshes, log.find((e) => e.what === "Fup")!].map((e, i, all) => (i === 0 ? 0 : e.at - all[i - 1]!.at));
    expect(Math.max(...gaps)).toBeLessThan(400); // well inside the 500 ms dead-man
    const upAt = log.findIndex((e) => e.what === "Fup");
    expect(log.slice(upAt).some((e) => e.what === "Frefresh")).toBe(false); // the plain wait after it refreshes nothing
  });

  test("a refused refresh ends the run, and the held command is released", async () => {
    const { log, sink } = recorder("rate_limited");
    await expect(executeSteps(parseScript("hold F 2000\n"), sink, () => {})).rejects.toThrow("rate_limited");
    expect(log.at(-1)?.what).toBe("Fup");
    expect(log.at(-1)!.at).toBeLessThan(1000);
  });

  test("Ctrl-C mid-hold releases the command", async () => {
    const { log, sink } = recorder();
    const abort = new AbortController();
    setTimeout(() => abort.abort("SIGINT"), 300);
    await executeSteps(parseScript("hold F 5000\nF\n"), sink, () => {}, abort.signal);
    expect(log.map((e) => e.what).filter((w) => w !== "Frefresh")).toEqual(["Fdown", "Fup"]);
    expect(log.at(-1)!.at).toBeLessThan(1500);
  });
});

describe("execution order", () => {
  test("steps run in order with waits, and a refusal stops the run after reporting it", async () => {
    const seen: string[] = [];
    const sink = {
      async send(step: Exclude<Step, { kind: "wait" }>, index: number): Promise<SendResult> {
        const label = step.kind === "command" ? `${step.command}${step.keyPosition}` : step.kind === "chat" ? step.text : step.data;
        seen.push(label);
        const result: SendResult = { step: index, kind: step.kind, sent_at: new Date().toISOString(), ack: true };
        if (label === "boom") throw Object.assign(new Error("refused"), { result: { ...result, error: "invalid" } });
        return result;
      },
    };
    const reported: SendResult[] = [];
    const steps = parseScript("F\nwait 5\nhold B 5\nchat boom\nstop\n");
    await expect(executeSteps(steps, sink, (r) => reported.push(r))).rejects.toThrow("refused");
    expect(seen).toEqual(["F", "Bdown", "Bup", "boom"]);
    expect(reported.map((r) => r.error ?? "ok")).toEqual(["ok", "ok", "ok", "invalid"]);
  });
});
