import type { SocketChannel, SocketOptions } from "../../lib/net/channel.ts";
import type { Action, DriverState, HardwareDriver } from "../../lib/hardware/driver.ts";
import type { Clock, TimerHandle } from "../../lib/clock.ts";

/** A clock that only moves when the test says so; timers fire in time order. */
export class FakeClock implements Clock {
  private time = 0;
  private nextId = 1;
  private timers = new Map<number, { at: number; fn: () => void; every?: number }>();

  /** `lateMs`: every timeout fires that much after it is due, as a busy event loop's do. */
  constructor(private readonly lateMs = 0) {}

  lateness(): number {
    return this.lateMs;
  }

  now(): number {
    return this.time;
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + Math.max(0, ms) + this.lateMs, fn });
    return id;
  }
  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle as number);
  }
  setInterval(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + Math.max(1, ms), fn, every: Math.max(1, ms) });
    return id;
  }
  clearInterval(handle: TimerHandle): void {
    this.timers.delete(handle as number);
  }
  /** Move time forward, firing every timer that falls due, in order. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let due: [number, { at: number; fn: () => void; every?: number }] | undefined;
      for (const entry of this.timers) if (entry[1].at <= end && (!due || entry[1].at < due[1].at)) due = entry;
      if (!due) break;
      const [id, timer] = due;
      this.time = timer.at;
      if (timer.every) timer.at += timer.every;
      else this.timers.delete(id);
      timer.fn();
    }
    this.time = end;
  }
  pending(): number {
    return this.timers.size;
  }
}

export interface DriverCall {
  at: number;
  call: "apply" | "stop" | "open" | "close";
  action?: Action;
}

/** A HardwareDriver that records every call with the clock's time and tracks whether the motors turn. */
export class RecordingDriver implements HardwareDriver {
  readonly name = "recording";
  readonly calls: DriverCall[] = [];
  moving = false;
  battery?: { volts: number; charging: boolean };
  private waiters: (() => void)[] = [];

  constructor(private readonly clock: { now(): number } = { now: () => performance.now() }) {}

  async open(): Promise<void> {
    this.calls.push({ at: this.clock.now(), call: "open" });
  }
  async apply(action: Action): Promise<void> {
    this.calls.push({ at: this.clock.now(), call: "apply", action });
    if (action.kind === "drive") this.moving = action.left !== 0 || action.right !== 0;
    if (action.kind === "stop") this.moving = false;
    this.wake();
  }
  async stop(): Promise<void> {
    this.calls.push({ at: this.clock.now(), call: "stop" });
    this.moving = false;
    this.wake();
  }
  state(): DriverState {
    return { driver: this.name, connected: true, moving: this.moving, left: 0, right: 0, battery: this.battery };
  }
  async close(): Promise<void> {
    this.moving = false;
    this.calls.push({ at: this.clock.now(), call: "close" });
  }
  /** Resolves at the next driver call matching `test` (or at once if one already happened after `from`). */
  waitFor(test: (call: DriverCall) => boolean, timeoutMs = 5000, from = 0): Promise<DriverCall> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.calls.slice(from).find(test);
        if (found) {
          clearTimeout(timer);
          resolve(found);
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => reject(new Error(`no matching driver call within ${timeoutMs} ms`)), timeoutMs);
      if (check()) return;
      const loop = () => {
        if (!check()) this.waiters.push(loop);
      };
      this.waiters.push(loop);
    });
  }
  private wake(): void {
    const waiting = this.waiters.splice(0);
    for (const w of waiting) w();
  }
}

/** An in-memory SocketChannel the test drives by hand: connect it, ack or ignore emits, push events. */
export class FakeChannel implements SocketChannel {
  connected = false;
  closed = false;
  acking = true;
  reply: unknown = { ok: true };
  readonly emitted: { event: string; data: unknown }[] = [];
  private handlers = new Map<string, ((data: unknown) => void)[]>();
  private stateHandlers: ((state: "connect" | "disconnect" | "error", detail?: string) => void)[] = [];

  constructor(readonly options: SocketOptions) {}

  emit(event: string, data?: unknown, ack?: (reply: unknown) => void): void {
    if (this.closed) return;
    this.emitted.push({ event, data });
    if (ack && this.acking) queueMicrotask(() => ack(this.reply));
  }
  on(event: string, handler: (data: unknown) => void): void {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), handler]);
  }
  onState(handler: (state: "connect" | "disconnect" | "error", detail?: string) => void): void {
    this.stateHandlers.push(handler);
  }
  close(): void {
    this.closed = true;
    this.connected = false;
  }
  /** Server side: */
  accept(): void {
    this.connected = true;
    for (const h of this.stateHandlers) h("connect");
  }
  drop(reason = "transport close"): void {
    this.connected = false;
    for (const h of this.stateHandlers) h("disconnect", reason);
  }
  refuse(message = "ECONNREFUSED"): void {
    for (const h of this.stateHandlers) h("error", message);
  }
  push(event: string, data: unknown): void {
    for (const h of this.handlers.get(event) ?? []) h(data);
  }
}

/** A SocketFactory that hands out FakeChannels and remembers them. */
export function fakeFactory(): { factory: (o: SocketOptions) => SocketChannel; channels: FakeChannel[] } {
  const channels: FakeChannel[] = [];
  return {
    channels,
    factory: (options) => {
      const channel = new FakeChannel(options);
      channels.push(channel);
      return channel;
    },
  };
}
