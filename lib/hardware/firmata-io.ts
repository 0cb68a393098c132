import firmataIo from "firmata-io";
import type { SerialLink } from "./tty-port.ts";

/** The firmata-io adapter: the Firmata protocol over any serialport-style link. The only import of firmata-io. */
export type FirmataIo = InstanceType<typeof firmataIo.Firmata>;

/**
 * Firmata over `link`. The version query goes out after `queryAfterMs` unless the board announced itself
 * first (a board that resets on open does; an emulated or already running one does not).
 */
export function createFirmataIo(link: SerialLink, options: { queryAfterMs?: number } = {}): FirmataIo {
  return new firmataIo.Firmata(link, { reportVersionTimeout: options.queryAfterMs ?? 500 });
}

/** The firmware's name and version as reported in the handshake, e.g. "StandardFirmata.ino 2.4". */
export function firmwareName(io: FirmataIo): string {
  const { name, version } = io.firmware ?? {};
  return `${name ?? "Firmata"}${version ? ` ${version.major}.${version.minor}` : ""}`;
}
