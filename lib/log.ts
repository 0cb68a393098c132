import type { ConsolaInstance } from "consola";

export type Logger = ConsolaInstance;
export type LogLevelName = "silent" | "error" | "warn" | "info" | "debug" | "trace";

/**
 * The one logger: consola writing to stderr, so stdout stays for results. consola is loaded on the first use
 * of the logger, not at start-up: `--help` and `--version` never log and must not pay for loading it.
 */
export function createLogger(level: LogLevelName = "info", stream: NodeJS.WriteStream = process.stderr): Logger {
  let real: ConsolaInstance | undefined;
  const load = (): ConsolaInstance => {
    if (real) return real;
    const { createConsola, LogLevels } = require("consola") as typeof import("consola");
    real = createConsola({ level: LogLevels[level], stdout: stream, stderr: stream, formatOptions: { date: false, colors: stream.isTTY === true } });
    return real;
  };
  return new Proxy({} as ConsolaInstance, {
    get(_, key) {
      const instance = load();
      const value: unknown = Reflect.get(instance, key);
      return typeof value === "function" ? value.bind(instance) : value;
    },
    set: (_, key, value) => Reflect.set(load(), key, value),
  });
}

/**
 * The one live status line at the bottom of a terminal. Returns the stream the logger must write to: a log
 * line first clears the status line, then the status line is drawn again under it, so the two never mix.
 */
export function createStatusLine(stream: NodeJS.WriteStream): { stream: NodeJS.WriteStream; statusLine: (text: string) => void } {
  const clear = "\r\u001b[2K";
  let shown = "";
  const logStream = {
    write(chunk: string | Uint8Array): boolean {
      if (shown) stream.write(clear);
      const ok = stream.write(chunk);
      if (shown) stream.write(shown);
      return ok;
    },
    get isTTY() {
      return stream.isTTY;
    },
    get columns() {
      return stream.columns;
    },
  };
  // a line longer than the terminal wraps, and a wrapped line cannot be cleared: cut it to fit
  const fit = (text: string) => (stream.columns > 1 && text.length >= stream.columns ? `${text.slice(0, stream.columns - 2)}…` : text);
  const statusLine = (text: string) => {
    shown = fit(text);
    stream.write(`${clear}${shown}`);
  };
  return { stream: logStream as unknown as NodeJS.WriteStream, statusLine };
}

/** Replace secrets in text before it is logged or printed. */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join("***");
  }
  return out;
}
