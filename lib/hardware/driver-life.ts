import { HardwareError } from "../errors.ts";

/** Whether a driver is open or closed, and the errors for using it at the wrong time. */
export class DriverLife {
  private opened = false;
  private closed = false;

  /** `label` names the driver in errors ("Firmata", "serial", "sim"). */
  constructor(private readonly label: string) {}

  get live(): boolean {
    return this.opened && !this.closed;
  }

  /** Before opening: throws once closed; true when it is open already. */
  isOpen(): boolean {
    if (this.closed) throw new HardwareError(`the ${this.label} driver was closed and cannot be reopened`, "create a new driver");
    return this.opened;
  }

  markOpen(): void {
    this.opened = true;
  }

  /** Throws unless open and not closed. */
  check(what: string): void {
    if (this.closed) throw new HardwareError(`cannot ${what}: the ${this.label} driver is closed`, "open a new driver (letsrobot restarts it on its own)");
    if (!this.opened) throw new HardwareError(`cannot ${what}: the ${this.label} driver is not open yet`, "call open() first");
  }

  /** Marks it closed; false when it was closed already. */
  close(): boolean {
    if (this.closed) return false;
    this.closed = true;
    return true;
  }
}
