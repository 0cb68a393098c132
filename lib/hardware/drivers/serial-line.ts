import { HardwareError } from "../../errors.ts";
import { type BoardDeps, boardParts } from "../board-link.ts";
import type { Action, DriverState, HardwareDriver } from "../driver.ts";
import type { Hardware } from "../kinematics.ts";
import type { SerialLink } from "../tty-port.ts";

export interface SerialLineDriverDeps extends BoardDeps {
  /** How long to wait for an OK/ERR reply when hardware.serial_ack is on. */
  replyMs?: number;
}

/** The word a classic LetsRobot sketch understands for an action (it reads one lower-case word per line). */
export function wordFor(action: Action): string {
  switch (action.kind) {
    case "drive": {
      const { left: l, right: r } = action;
      if (l === 0 && r === 0) return "stop";
      if (l > 0 && r > 0) return "f";
      if (l < 0 && r < 0) return "b";
      if (l <= 0 && r >= 0) return "l";
      return "r";
    }
    case "stop":
      return "stop";
    case "servo":
      if (action.centre) return "centre";
      if (action.servo === "tilt") return (action.step ?? 0) >= 0 ? "u" : "d";
      return (action.step ?? 0) >= 0 ? "pan_left" : "pan_right";
    case "led":
      return action.on ? "led_on" : "led_off";
    case "raw":
      return action.command.trim().toLowerCase();
  }
}

interface Session {
  link: SerialLink;
  /**
   * With hardware.serial_ack, one entry per command sent and not yet answered, oldest first: the sketch
   * answers in order, so each reply line belongs to the head. Stops sent by halt() have no waiter.
   */
  replies: (((line: string) => void) | undefined)[];
}

/** A classic serial sketch: one lower-cased word plus CRLF per command at 9600 baud; reads back OK/ERR. */
export function createSerialLineDriver(hw: Hardware, deps: SerialLineDriverDeps): HardwareDriver {
  const { state, life, link } = boardParts<Session>(hw, deps, {
    label: "serial",
    what: "serial board",
    baud: 9600,
    async connect(serial) {
      const session: Session = { link: serial, replies: [] };
      let pending = "";
      // always read what the board says, so its transmit buffer never fills and blocks the sketch
      serial.on("data", (data: Buffer) => {
        pending += data.toString("latin1");
        let end = pending.search(/\r?\n/);
        while (end >= 0) {
          const line = pending.slice(0, end).trim();
          pending = pending.slice(pending[end] === "\r" ? end + 2 : end + 1);
          end = pending.search(/\r?\n/);
          if (!line) continue;
          deps.log.debug(`board: ${line}`);
          session.replies.shift()?.(line);
        }
        if (pending.length > 4096) pending = ""; // a sketch that never ends a line
      });
      await serial.open();
      return session;
    },
    onBack() {
      halt(); // a board with its own power may still be running the last command
    },
  });

  const send = async (word: string, what: string) => {
    life.check(what);
    const session = link.currentOr(what);
    const reply = hw.serial_ack
      ? new Promise<string | undefined>((resolve) => {
          const timer = setTimeout(() => resolve(undefined), deps.replyMs ?? 1000);
          session.replies.push((line) => {
            clearTimeout(timer);
            resolve(line);
          });
        })
      : undefined;
    session.link.write(`${word}\r\n`);
    const line = await reply;
    if (!hw.serial_ack) return;
    if (line === undefined) deps.log.warn(`no reply from the board to "${word}" (hardware.serial_ack is on)`);
    else if (/^ERR/i.test(line)) throw new HardwareError(`the board rejected "${word}": ${line}`, "check the command names your sketch accepts ([commands] in letsrobot.toml)");
  };

  const halt = () => {
    state.halt();
    const session = link.current;
    if (!session) return;
    if (hw.serial_ack) session.replies.push(undefined); // its OK is expected, and nobody waits for it
    session.link.write("stop\r\n");
  };

  return {
    name: "serial",
    async open() {
      if (life.isOpen()) return;
      await link.open();
      life.markOpen();
      halt();
      deps.log.success(`serial board ready on ${link.portPath} at ${hw.baud || 9600} baud`);
    },
    async apply(action: Action) {
      const word = wordFor(action);
      if (!word) return;
      try {
        await send(word, `send "${word}"`);
      } catch (error) {
        if (life.live) halt(); // a rejected or failed command never leaves the wheels turning
        throw error;
      }
      state.record(action);
    },
    async stop() {
      halt();
      // resolved once the stop has reached the device, so a caller about to exit (a second Ctrl-C) can wait for it
      await link.current?.link.drain().catch(() => undefined);
    },
    state(): DriverState {
      return state.snapshot("serial", life.live && link.current !== undefined);
    },
    async close() {
      if (!life.close()) return;
      halt();
      await link.close();
    },
  };
}
