import fc from "fast-check";

/** fast-check is imported here only; property tests take it from this file. */
export { fc };

/** Cases per property: CI runs every property at least this many times. */
export const runs = 10_000;
/** A property takes 1-3 s alone; on a loaded 2-core machine several times that. */
export const fuzzTimeout = 60_000;

/** An array nested `depth` deep: [[[...]]]. */
export function deepArray(depth: number): unknown {
  let value: unknown = [];
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

/** An object nested `depth` deep through the given key. */
export function deepObject(depth: number, key = "robot_id"): unknown {
  let value: unknown = "1";
  for (let i = 0; i < depth; i++) value = { [key]: value };
  return value;
}

/** As big as a socket.io message may be (the server's maxHttpBufferSize is 64 KiB). */
const huge = "x".repeat(60 * 1024);

/**
 * Payloads that arrive over the wire (JSON-parsed): shapes meant to break `String(x)`, recursion and
 * prototype lookups. `{"toString": 1}` parsed from JSON has its own toString that is not a function.
 */
export const wireHostile: fc.Arbitrary<unknown> = fc.constantFrom<unknown>(
  JSON.parse('{"toString": 1}'),
  JSON.parse('{"toString": 1, "valueOf": 1}'),
  JSON.parse('{"robot_id": {"toString": 1}, "command": {"toString": 1}, "message": {"valueOf": 1}}'),
  JSON.parse('{"__proto__": {"robot_id": "1", "ok": false}}'),
  JSON.parse('{"constructor": {"prototype": {"polluted": true}}}'),
  JSON.parse('{"robot_id": "1", "hasOwnProperty": 1, "length": -1}'),
  JSON.parse(JSON.stringify(deepArray(1500))),
  JSON.parse(JSON.stringify(deepObject(1200))),
  huge,
  { robot_id: huge, message: huge, command: huge },
  [huge, huge],
  Number.MAX_VALUE,
  -0,
  1e308 * 10,
  "",
  null,
);

/** In-process only (never over the wire): getters that throw, proxies, symbols, functions, bigints. */
const inProcessHostile: fc.Arbitrary<unknown> = fc.constantFrom<unknown>(
  new Proxy(
    {},
    {
      get() {
        throw new Error("trap");
      },
      ownKeys() {
        throw new Error("trap");
      },
    },
  ),
  Object.defineProperty({}, "robot_id", {
    get() {
      throw new Error("getter");
    },
    enumerable: true,
  }),
  {
    toString() {
      throw new Error("toString");
    },
    valueOf() {
      throw new Error("valueOf");
    },
  },
  Object.create(null),
  Symbol("s"),
  () => 1,
  10n,
  undefined,
);

/** Random JSON values: what a client that sends garbage can send. */
export const json: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 4 });

/** Objects shaped like the platform's messages, with each field random, plausible or hostile. */
function message(plausible: { robotIds: unknown[]; words: string[] }): fc.Arbitrary<unknown> {
  const field = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom<unknown>(...plausible.robotIds, ...plausible.words) },
    { weight: 2, arbitrary: json },
    { weight: 1, arbitrary: wireHostile },
  );
  const keys = ["robot_id", "command", "key_position", "message", "user", "message_id", "settings", "buttons", "moderators", "require_key", "e", "d", "token", "ip", "charging", "camera_id"];
  return fc.dictionary(fc.constantFrom(...keys), field, { maxKeys: 6 });
}

/** Any payload: JSON, a message-shaped object, or a hostile value. */
export function payload(plausible: { robotIds: unknown[]; words: string[] }, hostile = true): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 3, arbitrary: message(plausible) },
    { weight: 2, arbitrary: json },
    { weight: 1, arbitrary: wireHostile },
    ...(hostile ? [{ weight: 1, arbitrary: inProcessHostile }] : []),
  );
}
