import { HardwareError } from "../../errors.ts";
import { type BoardDeps, boardParts } from "../board-link.ts";
import type { Action, DriverState, HardwareDriver } from "../driver.ts";
import { checkPins, createFirmataIo, firmwareName } from "../firmata-io.ts";
import { type Body, connectBody } from "../johnny-five.ts";
import type { Hardware } from "../kinematics.ts";

export interface FirmataDriverDeps extends BoardDeps {
  /** How long to wait for the Firmata handshake; default hardware.handshake_ms (a real Uno takes ~2 s to boot after open). */
  handshakeMs?: number;
}

/** An Arduino running StandardFirmata, driven pin by pin through johnny-five over the tty link. */
export function createFirmataDriver(hw: Hardware, deps: FirmataDriverDeps): HardwareDriver {
  const { state, life, link } = boardParts<Body>(hw, deps, {
    label: "Firmata",
    what: "Firmata board",
    baud: 57600,
    async connect(serial, path) {
      const { io, stopAsking } = createFirmataIo(serial);
      let body: Body;
      try {
        body = await connectBody(io, hw, { timeoutMs: deps.handshakeMs ?? hw.handshake_ms, where: path, open: () => serial.open(), check: () => checkPins(io, hw) });
      } finally {
        stopAsking();
      }
      deps.log.debug(`${path}: ${firmwareName(io)}`);
      return body;
    },
    release: (body) => body.dispose(),
    onBack(body) {
      // a board with its own power may still be running the last command: stop first; then the camera
      // and the lights go back where they were
      body.stop();
      body.servo("pan", state.pan);
      body.servo("tilt", state.tilt);
      body.led(state.led);
      for (const [name, on] of Object.entries(state.switched)) body.output(name, on);
    },
  });

  const body = (what: string): Body => {
    life.check(what);
    return link.currentOr(what);
  };

  const halt = () => {
    state.halt();
    try {
      link.current?.stop();
    } catch (error) {
      deps.log.debug(`stop: ${(error as Error).message}`);
    }
  };

  return {
    name: "firmata",
    async open() {
      if (life.isOpen()) return;
      const b = await link.open();
      life.markOpen();
      b.stop();
      deps.log.success(`Firmata board ready on ${link.portPath}`);
    },
    async apply(action: Action) {
      const b = body(`apply ${action.kind}`);
      try {
        const sw = state.record(action);
        switch (action.kind) {
          case "drive":
            b.drive(state.left, state.right);
            break;
          case "stop":
            halt();
            break;
          case "servo":
            b.servo(action.servo, state[action.servo]);
            break;
          case "led":
            b.led(state.led);
            break;
          case "raw":
            if (sw) b.output(sw.output.name, sw.on);
            else deps.log.debug(`firmata: no pin mapping for command "${action.command}"; ignored (see hardware.outputs)`);
            break;
        }
      } catch (error) {
        halt(); // whatever went wrong, the wheels do not keep turning
        throw new HardwareError(`Firmata ${action.kind} failed on ${link.portPath}: ${(error as Error).message}`, "check the board and its wiring; the motors were stopped", { cause: error });
      }
    },
    async stop() {
      halt();
    },
    state(): DriverState {
      const volts = link.current?.batteryVolts();
      const battery = volts === undefined ? undefined : volts * hw.battery_scale;
      return {
        ...state.snapshot("firmata", life.live && link.current !== undefined),
        ...(battery === undefined ? {} : { battery: { volts: Math.round(battery * 100) / 100, charging: hw.battery_charging_volts > 0 && battery >= hw.battery_charging_volts } }),
      };
    },
    async close() {
      if (!life.close()) return;
      halt();
      await link.close(); // drains the stop before the port closes
    },
  };
}
