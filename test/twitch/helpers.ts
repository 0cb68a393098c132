/** Shared bits of the Twitch tests: a config with the `[twitch]` section filled in, a log capture, a command queue. */
import { EventEmitter } from "node:events";
import { defaults } from "../../lib/config/schema.ts";
import { createLogger, type Logger } from "../../lib/log.ts";
import type { TwitchCommand } from "../../lib/twitch/commands.ts";
import type { TwitchConfig } from "../../lib/twitch/plan.ts";
import { waitFor } from "./irc-server.ts";

export function twitchConfig(overrides: Partial<TwitchConfig> = {}): TwitchConfig {
  return { ...defaults().twitch, chat: true, channel: "robochan", ...overrides };
}

/** A logger at trace level whose output the test can read (to prove secrets never reach it). */
export function capturedLogger(): { log: Logger; text: () => string } {
  let text = "";
  const stream = { write: (chunk: string) => ((text += chunk), true), isTTY: false } as unknown as NodeJS.WriteStream;
  return { log: createLogger("trace", stream), text: () => text };
}

/** Commands handed to onCommand, in order, with a way to wait for the next one. */
export function commandQueue() {
  const events = new EventEmitter();
  const seen: TwitchCommand[] = [];
  let taken = 0;
  return {
    seen,
    onCommand: (command: TwitchCommand) => {
      seen.push(command);
      events.emit("command", command);
    },
    /** The next command not yet taken, waiting for it when needed. */
    async next(timeoutMs = 5000): Promise<TwitchCommand> {
      const want = taken;
      taken += 1;
      const ready = seen[want];
      if (ready) return ready;
      await waitFor(events, "command", () => seen.length > want, timeoutMs, `command #${want + 1}`);
      return seen[want] as TwitchCommand;
    },
  };
}
