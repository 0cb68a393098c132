import { describe, expect, test } from "bun:test";
import { createLogger, createStatusLine } from "../../lib/log.ts";

const CLEAR = "\r\u001b[2K";

/** A terminal stand-in that keeps what was written, and the screen it would show (\r and erase-line applied). */
function terminal(columns = 80) {
  let written = "";
  const stream = { isTTY: true, columns, write: (chunk: string) => ((written += chunk), true) } as unknown as NodeJS.WriteStream;
  const screen = () => {
    const lines = [""];
    for (const part of written.split(/(\r\u001b\[2K|\n)/)) {
      if (part === CLEAR) lines[lines.length - 1] = "";
      else if (part === "\n") lines.push("");
      else lines[lines.length - 1] += part;
    }
    return lines;
  };
  return { stream, written: () => written, screen };
}

describe("the one status line writer", () => {
  test("a log line clears the status line, prints on its own line, and the status line is drawn again below it", () => {
    const tty = terminal();
    const { stream, statusLine } = createStatusLine(tty.stream);
    const log = createLogger("info", stream);
    statusLine("control up | video 30 fps");
    log.info("chat socket connected");
    log.warn("video: stalled");
    statusLine("control up | video 29 fps");
    const screen = tty.screen();
    expect(screen.filter((l) => l.includes("chat socket connected"))).toHaveLength(1);
    for (const line of screen.filter((l) => /connected|stalled/.test(l))) expect(line).not.toContain("video 30 fps");
    expect(screen.at(-1)).toBe("control up | video 29 fps"); // the live line is last, alone
    expect(screen.filter((l) => l.includes("control up"))).toHaveLength(1);
  });

  test("cleared with an empty text: later log lines are not followed by a stale status line", () => {
    const tty = terminal();
    const { stream, statusLine } = createStatusLine(tty.stream);
    const log = createLogger("info", stream);
    statusLine("level -12 dBFS");
    statusLine("");
    log.info("streams stopped");
    expect(tty.written()).not.toMatch(/streams stopped[^]*dBFS/);
    expect(tty.screen().at(-1)).toBe("");
  });

  test("a status line longer than the terminal is cut to fit (a wrapped line cannot be cleared)", () => {
    const tty = terminal(40);
    const { statusLine } = createStatusLine(tty.stream);
    statusLine("x".repeat(100));
    expect(tty.screen().at(-1)?.length).toBeLessThan(40);
  });
});
