/**
 * A platform start that fails half-way, for test/server/start-failure.test.ts: `DIR REDIS_URL PORT APP_PORT`
 * starts one with TLS (the certificate in DIR), Redis and the app port, and a [twitch] chat section with no
 * channel, which is found only after everything else is up. It prints the error and returns without calling
 * exit: the process ends on its own only if the failed start left no server, socket or timer behind.
 */
import { defaults } from "../../lib/config/schema.ts";
import { runProcess } from "../../lib/process/run.ts";
import { startPlatform } from "../../lib/server/platform.ts";
import { selfSignedIdentity } from "../../lib/server/tls/identity.ts";
import { quietLog } from "./helpers.ts";

const [dir = "", redisUrl = "", port = "0", appPort = "0"] = process.argv.slice(2);
const tls = await selfSignedIdentity(dir, ["127.0.0.1"], runProcess);
const failed = await startPlatform({
  host: "127.0.0.1",
  port: Number(port),
  appPort: Number(appPort),
  dataDir: dir,
  log: quietLog(),
  tls,
  cluster: { redisUrl, nodeId: "half-way" },
  twitch: { ...defaults().twitch, chat: true, channel: "" },
}).then(
  () => "started",
  (error: Error) => error.message,
);
console.log(failed);
