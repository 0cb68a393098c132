// The small parts of firmata-io and johnny-five that letsrobot uses (neither ships TypeScript types).
declare module "firmata-io" {
  import type { EventEmitter } from "node:events";
  export class Firmata extends EventEmitter {
    constructor(transport: unknown, options?: { reportVersionTimeout?: number; samplingInterval?: number });
    readonly isReady: boolean;
    readonly versionReceived: boolean;
    readonly firmware: { name?: string; version?: { major: number; minor: number } };
    readonly pending: number;
    readonly pins: { supportedModes: number[]; analogChannel: number }[];
  }
  const bindTransport: ((transport: unknown) => typeof Firmata) & { Firmata: typeof Firmata };
  export default bindTransport;
}

declare module "johnny-five" {
  import type { EventEmitter } from "node:events";
  export class Board extends EventEmitter {
    constructor(options: { io: unknown; repl?: boolean; debug?: boolean; sigint?: boolean; timeout?: number; id?: string });
    readonly isReady: boolean;
  }
  export class Motor {
    constructor(options: { board: Board; pins: { pwm: number; dir: number }; invertPWM?: boolean; threshold?: number });
    forward(speed: number): this;
    reverse(speed: number): this;
    stop(): this;
  }
  export class Servo {
    constructor(options: { board: Board; pin: number; range?: [number, number]; startAt?: number; pwmRange?: [number, number] });
    to(degrees: number): this;
  }
  export class Led {
    constructor(options: { board: Board; pin: number });
    on(): this;
    off(): this;
  }
  export class Sensor extends EventEmitter {
    constructor(options: { board: Board; pin: string; freq?: number; threshold?: number });
    readonly value: number;
    disable(): this;
  }
}
