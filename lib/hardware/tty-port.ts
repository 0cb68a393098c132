import { EventEmitter } from "node:events";
import { closeSync, constants, existsSync, openSync, realpathSync, writeSync } from "node:fs";
import { isatty } from "node:tty";
import { HardwareError } from "../errors.ts";
import { type RunProcess, runProcess } from "../process/run.ts";
import { portUsers } from "./port-users.ts";

/**
 * A serial port as a serialport-style duplex (what firmata-io's Firmata accepts as its transport), for Linux,
 * with no native addon: `stty` puts the tty in raw mode at the baud rate, then the device file is read with
 * Bun's non-blocking file stream and written with plain writes.
 *
 * Events: `open`, `data` (Buffer), `close` ({ disconnected }: true when the device went away), `error`.
 */
export interface SerialLink extends EventEmitter {
  readonly path: string;
  readonly baudRate: number;
  readonly isOpen: boolean;
  open(): Promise<void>;
  write(data: Uint8Array | string, callback?: (error?: Error | null) => void): boolean;
  /** Resolves once every queued write has reached the device (or failed). */
  drain(callback?: (error?: Error | null) => void): Promise<void>;
  close(callback?: (error?: Error | null) => void): Promise<void>;
}

export interface TtyPortOptions {
  path: string;
  baudRate: number;
  /** Runs `stty`; injectable for tests. */
  runProcess?: RunProcess;
}

const sttyArgs = (path: string, baud: number) => ["-F", path, String(baud), "raw", "-echo", "-ixon", "-ixoff", "-crtscts", "cs8", "-cstopb", "-parenb", "clocal", "min", "1", "time", "0"];

interface Pending {
  bytes: Uint8Array;
  callback?: (error?: Error | null) => void;
}

/** Translate an errno from open() into what the user should know and do. */
function openError(path: string, error: NodeJS.ErrnoException): HardwareError {
  switch (error.code) {
    case "ENOENT":
      return new HardwareError(`cannot open ${path}: no such port`, "check the cable, then run `letsrobot hw list` and pass --port", { cause: error });
    case "EACCES":
    case "EPERM":
      return new HardwareError(`cannot open ${path}: permission denied`, "add yourself to the dialout group (sudo usermod -aG dialout $USER, then log in again)", { cause: error });
    case "EBUSY":
      return new HardwareError(`cannot open ${path}: port is busy`, "close the serial monitor or other program using it, or pass --port", { cause: error });
    default:
      return new HardwareError(`cannot open ${path}: ${error.code ?? error.message}`, "check the cable and the port with `letsrobot hw list`", { cause: error });
  }
}

export class TtyPort extends EventEmitter implements SerialLink {
  readonly path: string;
  readonly baudRate: number;
  private fd: number | undefined;
  private reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  private queue: Pending[] = [];
  private flushing = false;
  private closing = false;
  /** Set once open() succeeded: from then on a missing fd means closed or unplugged, and writes fail. */
  private opened = false;
  private readonly run: RunProcess;

  constructor(options: TtyPortOptions) {
    super();
    this.path = options.path;
    this.baudRate = options.baudRate;
    this.run = options.runProcess ?? runProcess;
  }

  get isOpen(): boolean {
    return this.fd !== undefined;
  }

  async open(): Promise<void> {
    if (this.fd !== undefined) return;
    try {
      await this.openDevice();
    } catch (error) {
      this.failQueue(error as Error); // writes made before open() go nowhere
      throw error;
    }
    this.flush(); // writes made before open() (serialport does the same) go out now
    this.emit("open");
  }

  private async openDevice(): Promise<void> {
    if (!existsSync(this.path)) throw openError(this.path, Object.assign(new Error("ENOENT"), { code: "ENOENT" }));
    let fd: number;
    try {
      fd = openSync(this.path, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
    } catch (error) {
      throw openError(this.path, error as NodeJS.ErrnoException);
    }
    if (!isatty(fd)) {
      closeSync(fd);
      throw new HardwareError(`cannot use ${this.path}: it is not a serial port (not a tty)`, "check the path with `letsrobot hw list`");
    }
    // anyone else holding the tty open makes it busy (checked before stty touches its settings)
    const users = portUsers(realpathSync(this.path));
    if (users.length > 0) {
      closeSync(fd);
      const who = users.map((u) => `${u.command} (pid ${u.pid})`).join(", ");
      throw new HardwareError(`cannot open ${this.path}: port is busy, used by ${who}`, "close that program (a serial monitor?), or pass --port");
    }
    const stty = await this.run("stty", sttyArgs(this.path, this.baudRate), { timeoutMs: 5000 });
    if (stty.code !== 0) {
      closeSync(fd);
      throw new HardwareError(
        `cannot configure ${this.path} at ${this.baudRate} baud: ${stty.missing ? "stty is not installed" : stty.stderr.trim() || `stty exited ${stty.code}`}`,
        stty.missing ? "install coreutils (stty)" : "is this a serial port? check the path and the baud rate",
      );
    }
    this.fd = fd;
    this.opened = true;
    this.closing = false;
    this.reader = Bun.file(fd).stream().getReader();
    void this.readLoop(this.reader);
  }

  private async readLoop(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
    let failure: Error | undefined;
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        if (value && value.length > 0) this.emit("data", Buffer.from(value.buffer, value.byteOffset, value.byteLength));
      }
    } catch (error) {
      failure = error as Error;
    }
    if (this.reader !== reader || this.closing) return; // closed on purpose
    this.release();
    this.emit("close", { disconnect: true, disconnected: true, error: failure });
  }

  write(data: Uint8Array | string, callback?: (error?: Error | null) => void): boolean {
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    if (this.fd === undefined && !this.opened) {
      this.queue.push({ bytes, callback }); // not open yet: held until open() succeeds or fails
      return true;
    }
    if (this.fd === undefined) {
      const error = new HardwareError(`cannot write to ${this.path}: port is not open`, "the board is disconnected; it is reopened when it returns");
      queueMicrotask(() => callback?.(error));
      return false;
    }
    this.queue.push({ bytes, callback });
    this.flush();
    return true;
  }

  /** Write as much as the tty takes now; retry shortly when its buffer is full. */
  private flush(): void {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.queue.length > 0 && this.fd !== undefined) {
        const head = this.queue[0]!;
        let written: number;
        try {
          written = writeSync(this.fd, head.bytes);
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === "EAGAIN" || code === "EWOULDBLOCK") {
            setTimeout(() => this.flush(), 2);
            return;
          }
          this.failQueue(new HardwareError(`write to ${this.path} failed: ${code ?? (error as Error).message}`, "the board may have been unplugged", { cause: error }));
          return;
        }
        if (written < head.bytes.length) {
          head.bytes = head.bytes.subarray(written);
          setTimeout(() => this.flush(), 1);
          return;
        }
        this.queue.shift();
        head.callback?.(null);
        if (this.queue.length === 0) this.emit("drain");
      }
    } finally {
      this.flushing = false;
    }
  }

  private failQueue(error: Error): void {
    const queued = this.queue;
    this.queue = [];
    for (const p of queued) p.callback?.(error);
    // writes nobody asked to hear about are reported to whoever listens for errors (never thrown)
    if (queued.some((p) => !p.callback) && this.listenerCount("error") > 0) this.emit("error", error);
    this.emit("drain");
  }

  async drain(callback?: (error?: Error | null) => void): Promise<void> {
    if (this.queue.length > 0 && this.fd !== undefined) await new Promise((resolve) => this.once("drain", resolve));
    callback?.(null);
  }

  private release(): void {
    const fd = this.fd;
    this.fd = undefined;
    this.reader = undefined;
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // already gone with the device
      }
    }
    this.failQueue(new HardwareError(`${this.path} closed`, "the board is disconnected"));
  }

  async close(callback?: (error?: Error | null) => void): Promise<void> {
    if (this.fd === undefined) {
      callback?.(null);
      return;
    }
    this.closing = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.drain(), new Promise((resolve) => (timer = setTimeout(resolve, 500)))]); // a stuck device must not stall close
    clearTimeout(timer);
    const reader = this.reader;
    this.release();
    await reader?.cancel().catch(() => {});
    this.emit("close", { disconnected: false });
    callback?.(null);
  }
}
