import type { Config } from "../config/schema.ts";
import type { HostPort, SocketFactory } from "../net/channel.ts";
import type { RunProcess } from "../process/run.ts";

/** One check of `letsrobot doctor`, what it may look at and what it found. The checks: platform-checks.ts, machine-checks.ts. */
type Status = "pass" | "warn" | "fail" | "skip";

export interface CheckResult {
  id: string;
  title: string;
  status: Status;
  detail: string;
  hint?: string;
  /** A failing required check makes doctor exit 3. */
  required: boolean;
}

/** What the checks may look at. Roots are parameters so tests can point them at fixture trees. */
export interface DoctorContext {
  config?: Config;
  configError?: { message: string; hint?: string };
  configPath?: string;
  fetch: typeof fetch;
  runProcess: RunProcess;
  sysRoot: string;
  procRoot: string;
  devRoot: string;
  /** PATH, where the Pi camera program is looked for. */
  path: string;
  dataDir: string;
  now: () => Date;
  /** Resolves a host name (default: the system resolver); the broadcast check makes no other network call. */
  resolveHost?: (host: string) => Promise<string>;
  /** How long a host name may take to resolve (default 5000 ms). */
  resolveTimeoutMs?: number;
  /** socket.io clients, to identify as the robot and see whether the server accepts its key (absent: not checked). */
  sockets?: { v4: SocketFactory; v2: SocketFactory };
}

export type Outcome = Omit<CheckResult, "id" | "title" | "required"> & { required?: boolean; key?: string; hosts?: Record<string, HostPort> };
export interface Check {
  id: string;
  title: string;
  required: boolean;
  /** Reads settings only the config gives (server, keys, tts): skipped while the config is invalid. */
  needsConfig?: boolean;
  run(ctx: DoctorContext, earlier: CheckResult[]): Promise<Outcome | Outcome[]>;
}

export const pass = (detail: string): Outcome => ({ status: "pass", detail });
export const skip = (detail: string): Outcome => ({ status: "skip", detail });
