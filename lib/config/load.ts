import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { parse, TomlError } from "smol-toml";
import { ConfigError } from "../errors.ts";
import { type Config, defaults } from "./schema.ts";
import { envLayer, flagLayer, type Layer, merge, validateLayer } from "./validate.ts";

export interface ConfigRequest {
  /** --config, or undefined to search the usual places. */
  path?: string;
  /** Flag values keyed by "section.key". */
  flags?: Record<string, string | undefined>;
  env: Record<string, string | undefined>;
  cwd: string;
}

export interface ResolvedConfig {
  config: Config;
  /** The file that was read, or undefined when running on defaults. */
  path?: string;
}

export const CONFIG_NAME = "letsrobot.toml";

/** Where a config file is looked for when none is named: ./letsrobot.toml, then ~/.config/letsrobot/letsrobot.toml. */
function configCandidates(cwd: string, env: Record<string, string | undefined>): string[] {
  const home = env.HOME ?? homedir();
  const xdg = env.XDG_CONFIG_HOME ?? join(home, ".config");
  return [join(cwd, CONFIG_NAME), join(xdg, "letsrobot", CONFIG_NAME)];
}

/** Parse TOML text into a validated layer; syntax errors name the file, line and column. */
export function parseConfigText(text: string, name: string): Layer {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    if (error instanceof TomlError) {
      const reason = error.message.split("\n")[0]?.replace(/^Invalid TOML document:\s*/, "") ?? "syntax error";
      throw new ConfigError(
        `${name}:${error.line}:${error.column}: ${reason}`,
        "fix the TOML syntax on that line (strings need quotes, one key = value per line)",
        { cause: error },
      );
    }
    throw error;
  }
  return validateLayer(raw, { name, text });
}

/** flags > LETSROBOT_* env > file > defaults. */
export function resolveConfig(request: ConfigRequest): ResolvedConfig {
  const named = request.path ?? request.env.LETSROBOT_CONFIG;
  let path: string | undefined;
  if (named) {
    path = isAbsolute(named) ? named : resolve(request.cwd, named);
    if (!existsSync(path)) {
      throw new ConfigError(`config file ${path} does not exist`, "create one with `letsrobot init`, or check the --config path");
    }
  } else {
    path = configCandidates(request.cwd, request.env).find((p) => existsSync(p));
  }
  let fileLayer: Layer = {};
  if (path) {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const hint = code === "EISDIR" ? `it is a folder: name the file in it, e.g. --config ${join(path, CONFIG_NAME)}` : "check its permissions";
      throw new ConfigError(`cannot read config file ${path}${code ? ` (${code})` : ""}`, hint, { cause: error });
    }
    fileLayer = parseConfigText(text, path);
  }
  const config = merge(defaults(), fileLayer, envLayer(request.env), flagLayer(request.flags ?? {}));
  return { config, path };
}
