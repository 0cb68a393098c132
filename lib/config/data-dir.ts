import { homedir } from "node:os";
import { join } from "node:path";
import type { Config } from "./schema.ts";

/** `server.data_dir`, or `$XDG_DATA_HOME/letsrobot` (default ~/.local/share/letsrobot): `serve`'s and the embedded platform's. */
export function defaultDataDir(server: Config["server"], env: Record<string, string | undefined>): string {
  if (server.data_dir) return server.data_dir;
  return join(env.XDG_DATA_HOME || join(env.HOME ?? homedir(), ".local", "share"), "letsrobot");
}
