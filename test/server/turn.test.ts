import { expect, test } from "bun:test";
import { perTurn } from "../../lib/server/turn.ts";

test("perTurn reads once per turn of the event loop and again on the next turn", async () => {
  let reads = 0;
  const value = perTurn(() => ++reads);
  expect([value(), value(), value()]).toEqual([1, 1, 1]);
  await new Promise((resolve) => setImmediate(resolve));
  expect([value(), value()]).toEqual([2, 2]);
  await Bun.sleep(5);
  expect(value()).toBe(3);
  expect(reads).toBe(3);
});
