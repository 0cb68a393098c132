import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HardwareError } from "../../lib/errors.ts";
import { TtyPort } from "../../lib/hardware/tty-port.ts";
import { startPtyPair } from "./pty-pair.ts";

async function errorOf(promise: Promise<unknown>): Promise<HardwareError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error instanceof HardwareError) return error;
  throw new Error(`expected a HardwareError, got ${String(error)}`);
}

async function ptyPair() {
  const dir = mkdtempSync(join(tmpdir(), "letsrobot-pty-"));
  return await startPtyPair(join(dir, "a"), join(dir, "b"));
}

function nextData(port: TtyPort, bytes: number): Promise<string> {
  return new Promise((resolve) => {
    let got = "";
    const on = (data: Buffer) => {
      got += data.toString("latin1");
      if (got.length >= bytes) {
        port.off("data", on);
        resolve(got);
      }
    };
    port.on("data", on);
  });
}

describe("TtyPort errors", () => {
  test("a missing port names it and points at hw list", async () => {
    const error = await errorOf(new TtyPort({ path: "/dev/ttyACM99", baudRate: 57600 }).open());
    expect(error.message).toBe("cannot open /dev/ttyACM99: no such port");
    expect(error.hint).toContain("letsrobot hw list");
  });

  test("a file or device that is not a tty is refused, and says so", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "letsrobot-tty-")), "not-a-port");
    writeFileSync(file, "");
    for (const path of [file, "/dev/null"]) {
      const error = await errorOf(new TtyPort({ path, baudRate: 9600 }).open());
      expect(error.message).toBe(`cannot use ${path}: it is not a serial port (not a tty)`);
      expect(error.hint).toContain("hw list");
    }
  });

  test("writes made before open fail with open's error when it fails, and never throw", async () => {
    const port = new TtyPort({ path: "/dev/null", baudRate: 9600 });
    const written = new Promise<Error | null | undefined>((resolve) => port.write("x", resolve));
    port.write("no callback, no listener: must not throw");
    await errorOf(port.open());
    const error = await written;
    expect(error).toBeInstanceOf(HardwareError);
    expect(error?.message).toContain("/dev/null: it is not a serial port");
  });
});

describe("TtyPort over a pty pair", () => {
  let pair: Awaited<ReturnType<typeof ptyPair>>;
  beforeAll(async () => {
    pair = await ptyPair();
  });
  afterAll(() => pair.unplug());

  test("bytes go both ways, raw (no echo, no CRLF translation); close is not a disconnect", async () => {
    const robot = new TtyPort({ path: pair.a, baudRate: 57600 });
    const board = new TtyPort({ path: pair.b, baudRate: 57600 });
    await board.open();
    const early = nextData(board, 3);
    robot.write("hi\n"); // before open: held, then sent on open (as serialport does)
    const opened = new Promise((resolve) => robot.once("open", resolve));
    await robot.open();
    await opened;
    expect(await early).toBe("hi\n");
    expect(robot.isOpen).toBe(true);
    const atBoard = nextData(board, 5);
    robot.write(Uint8Array.from([0xf9, 0x0a, 0x0d, 0x00, 0xff]));
    expect([...Buffer.from(await atBoard, "latin1")]).toEqual([0xf9, 0x0a, 0x0d, 0x00, 0xff]);
    const atRobot = nextData(robot, 4);
    board.write("OK\r\n");
    expect(await atRobot).toBe("OK\r\n");
    const closed = new Promise<{ disconnected: boolean }>((resolve) => robot.once("close", resolve));
    await robot.close();
    expect((await closed).disconnected).toBe(false);
    expect(robot.isOpen).toBe(false);
    await board.close();
  });

  test("the other end going away is a close with disconnected: true", async () => {
    const robot = new TtyPort({ path: pair.a, baudRate: 9600 });
    await robot.open();
    const closed = new Promise<{ disconnected: boolean }>((resolve) => robot.once("close", resolve));
    await pair.unplug();
    expect((await closed).disconnected).toBe(true);
    expect(robot.isOpen).toBe(false);
    const error = await new Promise<Error | null | undefined>((resolve) => robot.write("f\r\n", resolve));
    expect(error?.message).toContain("not open");
  });
});
