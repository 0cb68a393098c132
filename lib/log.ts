import { type ConsolaInstance, createConsola, LogLevels } from "consola";

export type Logger = ConsolaInstance;
export type LogLevelName = "silent" | "error" | "warn" | "info" | "debug" | "trace";

/** The one logger: consola writing to stderr, so stdout stays for results. */
export function createLogger(level: LogLevelName = "info", stream: NodeJS.WriteStream = process.stderr): Logger {
  return createConsola({
    level: LogLevels[level],
    stdout: stream,
    stderr: stream,
    formatOptions: { date: false, colors: stream.isTTY === true },
  });
}

/** Replace secrets in text before it is logged or printed. */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join("***");
  }
  return out;
}
