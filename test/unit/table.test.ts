import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { reportText } from "../../lib/doctor/report.ts";
import { formatTable } from "../../lib/output.ts";

describe("formatTable", () => {
  test("columns aligned, one rule line under the headers", () => {
    expect(formatTable(["id", "name"], [["1", "rover"], ["22", "ann"]])).toBe(["id  name", "--  -----", "1   rover", "22  ann"].join("\n"));
  });

  test("a last cell of several lines keeps them under one another in its column", () => {
    expect(formatTable(["", "check", "result"], [["FAIL", "config", "2 problems:\n  a: unknown key\n  b: bad value"]])).toBe(
      ["      check   result", "----  ------  ----------------", "FAIL  config  2 problems:", "                a: unknown key", "                b: bad value"].join("\n"),
    );
  });

  test("with a width (a terminal), the last column wraps at word boundaries to fit it", () => {
    const table = formatTable(["", "check", "result"], [["ok", "socket.io handshakes: control", "http://127.0.0.1:8080 speaks socket.io 2.x (EIO 3) + socket.io 3.x+ (EIO 4) (1 ms)"]], 80);
    for (const line of table.split("\n")) expect(line.length).toBeLessThanOrEqual(80);
    expect(table.split("\n").slice(2).join(" ").replace(/\s+/g, " ")).toBe("ok socket.io handshakes: control http://127.0.0.1:8080 speaks socket.io 2.x (EIO 3) + socket.io 3.x+ (EIO 4) (1 ms)");
  });

  test("property: within the width whenever the words fit, and no word lost or reordered", () => {
    const word = fc.string({ minLength: 1, maxLength: 12 }).filter((w) => !/\s/.test(w));
    fc.assert(
      fc.property(fc.array(fc.array(word, { minLength: 1, maxLength: 30 }), { minLength: 1, maxLength: 5 }), fc.integer({ min: 40, max: 120 }), (cells, width) => {
        const rows = cells.map((words, i) => ["ok", `check ${i}`, words.join(" ")]);
        const table = formatTable(["", "check", "result"], rows, width);
        for (const line of table.split("\n")) expect(line.length).toBeLessThanOrEqual(width);
        const words = table.split("\n").slice(2).join(" ").split(/\s+/).filter(Boolean);
        expect(words).toEqual(rows.flatMap((r) => r.join(" ").split(" ")));
      }),
      { numRuns: 300 },
    );
  });
});

test("doctor's report fits an 80-column terminal", () => {
  const detail = "control, chat, relay, video, audio: the TLS certificate of 127.0.0.1:8443 is self-signed and this machine does not trust it (DEPTH_ZERO_SELF_SIGNED_CERT)";
  const text = reportText([{ id: "lookups", title: "platform lookups", status: "fail", detail, required: true }], 80);
  const table = text.split("\n\n")[0] ?? "";
  for (const line of table.split("\n")) expect(line.length).toBeLessThanOrEqual(80);
});
