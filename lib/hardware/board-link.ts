import { HardwareError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { parsePortSpec, selectPort } from "./port-select.ts";
import { listSerialPorts, type SerialPortInfo } from "./ports.ts";
import { type SerialLink, TtyPort } from "./tty-port.ts";
import { BodyState } from "./body-state.ts";
import { DriverLife } from "./driver-life.ts";
import type { Hardware } from "./kinematics.ts";

export interface BoardLinkOptions<T> {
  /** What is on the other end, for messages: "Firmata board", "serial board". */
  what: string;
  /** hardware.port: a path, usb:VID:PID or auto; resolved again on every reconnect. */
  port: string;
  baud: number;
  log: Logger;
  /**
   * Open the (not yet open) link and talk to the board until it is usable (handshake); throw a
   * HardwareError when it does not answer. Listeners attached before open() see the `open` event.
   */
  connect(link: SerialLink, path: string): Promise<T>;
  /** Called when the board went away (the session is gone) and when it is back with a new session. */
  onLost?(path: string): void;
  onBack?(session: T, path: string): void;
  /** Let go of a session that ended (timers, listeners); the link itself is closed by BoardLink. */
  release?(session: T): void;
  listPorts?: () => SerialPortInfo[];
  makeLink?: (path: string, baud: number) => SerialLink;
  /** Delay between reconnect attempts. */
  retryMs?: number;
}

/**
 * A serial board that may be unplugged and plugged back in: opens the port named by config, runs the
 * caller's handshake, and after the device disappears keeps trying (every retryMs) until it returns or
 * close() is called. Reports both transitions in the log.
 */
class BoardLink<T> {
  private link: SerialLink | undefined;
  private session: T | undefined;
  private path: string | undefined;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(private readonly options: BoardLinkOptions<T>) {}

  get current(): T | undefined {
    return this.session;
  }

  get portPath(): string | undefined {
    return this.path;
  }

  /** The current session; throws a HardwareError naming `what` could not be done while the board is away. */
  currentOr(what: string): T {
    if (this.session === undefined) throw new HardwareError(`cannot ${what}: the board on ${this.path} is disconnected`, "plug it back in; letsrobot reconnects by itself");
    return this.session;
  }

  /** Connect once; errors (no port, busy, no reply) are thrown to the caller. */
  async open(): Promise<T> {
    return await this.attempt();
  }

  private async attempt(): Promise<T> {
    const o = this.options;
    const path = selectPort(parsePortSpec(o.port), (o.listPorts ?? listSerialPorts)());
    const link = (o.makeLink ?? ((p, baud) => new TtyPort({ path: p, baudRate: baud })))(path, o.baud);
    let session: T;
    try {
      session = await o.connect(link, path);
    } catch (error) {
      await link.close().catch(() => {});
      throw error;
    }
    if (this.closed) {
      await link.close().catch(() => {});
      throw new HardwareError(`${o.what} link was closed while connecting`, "open the driver again");
    }
    this.link = link;
    this.path = path;
    this.session = session;
    link.once("close", (event?: { disconnected?: boolean; error?: Error }) => {
      if (this.link !== link || !event?.disconnected) return;
      this.lost(path, event.error);
    });
    return session;
  }

  private lost(path: string, error?: Error): void {
    const session = this.session;
    this.link = undefined;
    this.session = undefined;
    if (session !== undefined) this.options.release?.(session);
    const reason = error?.message ? ` (${error.message})` : "";
    this.options.log.warn(`lost the ${this.options.what} on ${path}${reason}: unplugged? reconnecting when it returns`);
    this.options.onLost?.(path);
    this.schedule();
  }

  private schedule(): void {
    if (this.closed) return;
    this.retry = setTimeout(async () => {
      this.retry = undefined;
      if (this.closed) return;
      try {
        const session = await this.attempt();
        this.options.log.success(`${this.options.what} is back on ${this.path}`);
        this.options.onBack?.(session, this.path ?? "");
      } catch (error) {
        this.options.log.debug(`reconnect: ${(error as Error).message}`);
        this.schedule();
      }
    }, this.options.retryMs ?? 250);
  }

  /** Let queued writes reach the board (bounded). */
  async drain(): Promise<void> {
    await this.link?.drain();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    const link = this.link;
    const session = this.session;
    this.link = undefined;
    this.session = undefined;
    await link?.close().catch(() => {});
    if (session !== undefined) this.options.release?.(session);
  }
}

/** What a tty board driver is given besides its config: the logger and, in tests, the ports and links. */
export type BoardDeps = Pick<BoardLinkOptions<unknown>, "log" | "listPorts" | "makeLink" | "retryMs">;

/**
 * The parts every driver of a board on a tty has: the state of the body (what the motors, servos and lights
 * should be doing), the driver's open/closed life, and the link to the board, on hardware.port at
 * hardware.baud (or the sketch's usual rate), which halts the state whenever the board goes away.
 */
export function boardParts<T>(hw: Hardware, deps: BoardDeps, board: { label: string; what: string; baud: number } & Pick<BoardLinkOptions<T>, "connect" | "onBack" | "release">) {
  const state = new BodyState(hw);
  const life = new DriverLife(board.label);
  const link = new BoardLink<T>({
    ...deps,
    what: board.what,
    port: hw.port,
    baud: hw.baud || board.baud,
    connect: board.connect,
    release: board.release,
    onBack: board.onBack,
    onLost: () => state.halt(), // a board that lost power or USB stops its motors
  });
  return { state, life, link };
}
