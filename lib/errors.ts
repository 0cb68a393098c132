/** Exit codes grouped by decade (see ARCHITECTURE.md). */
export const ExitCode = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  doctorFailed: 3,
  config: 10,
  auth: 11,
  network: 20,
  protocol: 21,
  rejected: 22,
  rateLimited: 23,
  unknownRobot: 24,
  hardware: 30,
  media: 40,
  interrupted: 130,
} as const;

/** Base error: a message saying what failed, a hint saying what to do next, and an exit code. */
export class LetsrobotError extends Error {
  readonly exitCode: number = ExitCode.unexpected;
  constructor(
    message: string,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class UsageError extends LetsrobotError {
  override readonly exitCode = ExitCode.usage;
}
export class ConfigError extends LetsrobotError {
  override readonly exitCode = ExitCode.config;
}
export class AuthError extends LetsrobotError {
  override readonly exitCode = ExitCode.auth;
}
export class NetworkError extends LetsrobotError {
  override readonly exitCode = ExitCode.network;
}
export class ProtocolError extends LetsrobotError {
  override readonly exitCode = ExitCode.protocol;
}
/** The server understood and refused (ack `{ok: false, error}`); the exit code says which refusal. */
export class RejectedError extends LetsrobotError {
  override readonly exitCode: number;
  constructor(
    readonly code: string,
    message: string,
    hint?: string,
  ) {
    super(message, hint);
    this.exitCode = code === "rate_limited" ? ExitCode.rateLimited : code === "unknown_robot" ? ExitCode.unknownRobot : ExitCode.rejected;
  }
}
export class HardwareError extends LetsrobotError {
  override readonly exitCode = ExitCode.hardware;
}
export class MediaError extends LetsrobotError {
  override readonly exitCode = ExitCode.media;
}
/** A command that ran to the end but has a verdict to report through its exit code (doctor). */
export class VerdictError extends LetsrobotError {
  constructor(
    message: string,
    override readonly exitCode: number,
  ) {
    super(message);
  }
}

/**
 * A failure as JSON, for `--json`: printed on stdout as the one object a script reads when the command
 * printed no result of its own ({error, hint, exit_code}; the human log on stderr is unchanged).
 */
export function errorReport(error: LetsrobotError): { error: string; hint?: string; exit_code: number } {
  return { error: error.message, ...(error.hint ? { hint: error.hint } : {}), exit_code: error.exitCode };
}

/** The chain of causes as text lines, for --verbose. */
export function causeChain(error: unknown): string[] {
  const lines: string[] = [];
  let current: unknown = error;
  while (current instanceof Error && lines.length < 10) {
    lines.push(current.stack ?? `${current.name}: ${current.message}`);
    current = current.cause;
  }
  return lines;
}
