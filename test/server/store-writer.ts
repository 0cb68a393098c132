/**
 * A second process on one platform database, for test/server/store-disk.test.ts:
 * `hold DIR MS` takes the write lock for MS ms (printing "locked" once it has it);
 * `add DIR PREFIX N` adds N robots named PREFIX0..PREFIX{N-1} through the store.
 */
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { openStore } from "../../lib/server/store/store.ts";

const [mode, dir = "", arg = "", count = "0"] = process.argv.slice(2);
if (mode === "hold") {
  const db = new Database(join(dir, "platform.db"));
  db.exec("BEGIN IMMEDIATE");
  db.exec("UPDATE owners SET moderators = moderators");
  console.log("locked");
  await Bun.sleep(Number(arg));
  db.exec("COMMIT");
  db.close();
} else if (mode === "add") {
  const store = openStore(dir);
  for (let i = 0; i < Number(count); i++) store.ensureRobot({ name: `${arg}${i}`, owner: arg });
  store.close();
  console.log("added");
}
