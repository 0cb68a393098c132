import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { connect as tcpConnect } from "node:net";
import { guardRequest, guardSocket, guardUpgrade } from "../../lib/server/guard.ts";
import type { RobotCredentials } from "../../lib/server/platform.ts";
import { FakeSocket, FakeSocketServer, inProcessPlatform } from "./fake-socket.ts";
import { quietLog, tempDataDir } from "./helpers.ts";

const data = tempDataDir();
let platform: Awaited<ReturnType<typeof inProcessPlatform>>;
let robot: RobotCredentials;

beforeAll(async () => {
  platform = await inProcessPlatform(data.dir);
  const made = platform.store.ensureRobot({ name: "guarded", owner: "gil" });
  robot = { robotId: made.robot.id, cameraId: made.robot.cameraId, name: "guarded", owner: "gil", ...made.secrets };
});

afterAll(() => {
  platform.close();
  data.remove();
});

const hostile = () => {
  const trap = new Proxy(
    {},
    {
      get() {
        throw new Error("trap");
      },
    },
  );
  return [{ toString: 1 }, { robot_id: { toString: 1, valueOf: 1 } }, trap, { robot_id: trap }, Object.create(null)];
};

describe("socket guard", () => {
  test("a handler that throws is answered with invalid, and the socket goes on working", () => {
    const raw = new FakeSocket(new FakeSocketServer());
    const socket = guardSocket(raw, { log: quietLog(), events: { burst: 100, perSecond: 100 } });
    let calls = 0;
    socket.on("boom", (data) => {
      calls += 1;
      if (data === "throw") throw new TypeError("Cannot convert object to primitive value");
    });
    expect(raw.send("boom", "throw")).toEqual({ ok: false, error: "invalid", message: "boom could not be handled: check the payload's shape" });
    raw.send("boom", "throw", false);
    expect(raw.received).toEqual([{ event: "error_event", data: { event: "boom", error: "invalid", message: "boom could not be handled: check the payload's shape" } }]);
    raw.send("boom", "fine");
    expect(calls).toBe(3);
  });

  test("hostile payloads (toString that is not a function, throwing getters) get a clear refusal on every event", () => {
    const socket = platform.connect({ name: "hana" });
    const events = ["watch_robot", "command_to_robot", "chat_message", "robot_id", "identify_robot_id", "send_video_status", "set_exclusive_control", "update_robot", "remove_message", "set_moderators"];
    for (const payload of hostile()) {
      for (const event of events) {
        const answer = socket.send(event, payload) as { ok: boolean; error: string };
        expect(answer).toMatchObject({ ok: false });
        expect(typeof answer.error).toBe("string");
      }
    }
    expect(socket.send("watch_robot", { robot_id: { toString: 1 } })).toMatchObject({ ok: false, error: "invalid", message: "watch_robot needs a robot id (digits), not an object" });
  });

  test("every socket has an event budget: past it, rate_limited; without an ack at most one error_event per second", () => {
    const socket = platform.connect({ name: "flood" });
    const answers = Array.from({ length: 100 }, () => socket.send("watch_robot", { robot_id: robot.robotId }) as { ok: boolean; error?: string });
    expect(answers.filter((a) => a.ok).length).toBe(60);
    expect(answers.at(-1)).toMatchObject({ ok: false, error: "rate_limited" });
    for (let i = 0; i < 50; i++) socket.send("watch_robot", { robot_id: robot.robotId }, false);
    expect(socket.received.filter((r) => r.event === "error_event").length).toBe(1);
    // another socket is not affected
    expect(platform.connect({ name: "calm" }).send("watch_robot", { robot_id: robot.robotId })).toMatchObject({ ok: true });
  });
});

describe("robot_state broadcasts are coalesced per robot", () => {
  test("a flood of watch_robot from 30 sockets sends at most one state per window, and the last state always goes out", async () => {
    const quiet = platform.store.ensureRobot({ name: "quiet", owner: "gil" }).robot;
    const watcher = platform.connect({ name: "watcher" });
    watcher.send("watch_robot", { robot_id: quiet.id });
    await Bun.sleep(250); // past the window opened by this join
    const before = watcher.received.filter((r) => r.event === "robot_state").length;
    const flooders = Array.from({ length: 30 }, (_, i) => platform.connect({ name: `f${i}` }));
    for (let round = 0; round < 50; round++) for (const f of flooders) f.send("watch_robot", { robot_id: quiet.id });
    const during = watcher.received.filter((r) => r.event === "robot_state").length - before;
    expect(during).toBe(1); // the first change at once; the rest wait for the window
    await Bun.sleep(300); // past the window: the trailing broadcast
    const states = watcher.received.filter((r) => r.event === "robot_state");
    expect(states.length - before).toBe(2);
    expect((states.at(-1)?.data as { viewers: number }).viewers).toBe(31);
  });
});

describe("HTTP guard", () => {
  test("a route that throws answers 500 JSON and the server keeps serving; an upgrade that throws gets 400", async () => {
    let fail = true;
    const server = createServer(
      guardRequest(quietLog(), (_req, res) => {
        if (fail) throw new RangeError("Maximum call stack size exceeded");
        res.end("fine");
      }),
    );
    server.on(
      "upgrade",
      guardUpgrade(quietLog(), () => {
        throw new TypeError("Invalid URL");
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      const broken = await fetch(url);
      expect(broken.status).toBe(500);
      expect(await broken.json()).toEqual({ error: "internal", message: "the request could not be handled" });
      fail = false;
      expect(await (await fetch(url)).text()).toBe("fine");
      const upgraded = await new Promise<string>((resolve) => {
        const tcp = tcpConnect((server.address() as AddressInfo).port, "127.0.0.1", () => tcp.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"));
        let text = "";
        tcp.on("data", (chunk) => (text += chunk.toString()));
        tcp.on("close", () => resolve(text));
      });
      expect(upgraded).toStartWith("HTTP/1.1 400");
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

describe("command limits and held buttons", () => {
  test("a button held for 3 s (refreshed every 150 ms) is never cut by the limiter, even with taps at the full command rate", async () => {
    const control = platform.connect({ robot_key: robot.robotKey });
    expect(control.send("robot_id", robot.robotId)).toMatchObject({ ok: true });
    const driver = platform.connect({ name: "holder" });
    const refreshes: unknown[] = [];
    const taps: unknown[] = [];
    const started = performance.now();
    let nextTap = started;
    let nextRefresh = started;
    while (performance.now() - started < 3000) {
      const now = performance.now();
      if (now >= nextRefresh) {
        refreshes.push(driver.send("command_to_robot", { robot_id: robot.robotId, command: "F", key_position: "down" }));
        nextRefresh += 150;
      }
      if (now >= nextTap) {
        taps.push(driver.send("command_to_robot", { robot_id: robot.robotId, command: "L" }));
        nextTap += 80; // 12.5 per second: more than the whole command budget
      }
      await Bun.sleep(5);
    }
    expect(driver.send("command_to_robot", { robot_id: robot.robotId, command: "F", key_position: "up" })).toMatchObject({ ok: true });
    expect(refreshes.length).toBeGreaterThanOrEqual(19);
    expect(refreshes.filter((r) => (r as { ok: boolean }).ok === false)).toEqual([]);
    expect(taps.filter((r) => (r as { ok: boolean }).ok).length).toBeGreaterThan(25);
    control.disconnect();
  });
});
