import { NetworkError, ProtocolError } from "../errors.ts";
import { type BackoffOptions, backoffDelay, lookupBackoff, sleep } from "../net/backoff.ts";

export interface GetJsonOptions {
  fetch: typeof fetch;
  timeoutMs: number;
  retries: number;
  backoff?: BackoffOptions;
  signal?: AbortSignal;
  /** Called before each retry, e.g. to log a warning. */
  onRetry?: (attempt: number, error: Error, delayMs: number) => void;
}

/** What is wrong with a server's TLS certificate, by the error code the TLS library gives. */
const certificateProblems: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: "is self-signed and this machine does not trust it",
  SELF_SIGNED_CERT_IN_CHAIN: "chains to a self-signed authority this machine does not trust",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "is signed by an authority this machine does not know",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "is signed by an authority this machine does not know",
  UNABLE_TO_GET_ISSUER_CERT: "is signed by an authority this machine does not know",
  CERT_HAS_EXPIRED: "has expired",
  CERT_NOT_YET_VALID: "is not valid yet (is this machine's clock right?)",
  ERR_TLS_CERT_ALTNAME_INVALID: "does not name this host",
  HOSTNAME_MISMATCH: "does not name this host",
};

/** One failed request, classified so the user reads a cause, not a stack. */
export function classifyFetchError(url: string, error: unknown, timeoutMs: number): NetworkError {
  const { host } = new URL(url);
  const code = (error as { code?: string })?.code;
  const name = (error as { name?: string })?.name;
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") {
    return new NetworkError(`cannot resolve host ${new URL(url).hostname} (DNS lookup failed)`, "check the server name in platform.server and your network", { cause: error });
  }
  const certificate = code ? certificateProblems[code] : undefined;
  if (certificate) {
    return new NetworkError(
      `the TLS certificate of ${host} ${certificate} (${code})`,
      `if it is a \`letsrobot serve --tls self-signed\` server, compare the fingerprint serve printed and trust its certificate here: NODE_EXTRA_CA_CERTS=/path/to/cert.pem (the file is in serve's data dir, tls/cert.pem); or give the server a real certificate (docs/serve.md, TLS)`,
      { cause: error },
    );
  }
  if (code === "EPROTO" || /TLS handshake failed/i.test(String((error as Error)?.message))) {
    return new NetworkError(`the TLS handshake with ${host} failed`, `does ${host} speak HTTPS on this port? if not, use http:// in platform.server`, { cause: error });
  }
  if (code === "ECONNREFUSED") {
    return new NetworkError(`connection refused by ${host}`, `nothing is listening on ${host}: is the server running, and is the port right?`, { cause: error });
  }
  if (name === "TimeoutError" || code === "ETIMEDOUT") {
    return new NetworkError(`no answer from ${host} within ${timeoutMs} ms`, `check that ${host} is reachable, or raise platform.timeout_ms`, { cause: error });
  }
  return new NetworkError(`request to ${host} failed: ${(error as Error)?.message ?? error}`, `check that ${host} is reachable`, { cause: error });
}

async function getOnce(url: string, options: GetJsonOptions): Promise<unknown> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let response: Response;
  try {
    response = await options.fetch(url, { signal, headers: { accept: "application/json" } });
  } catch (error) {
    throw classifyFetchError(url, error, options.timeoutMs);
  }
  const body = await response.text().catch(() => "");
  if (!response.ok) {
    throw new ProtocolError(`${new URL(url).pathname} answered HTTP ${response.status} ${response.statusText}`.trim(), response.status === 404 ? "check the robot id / camera id: the server does not know it" : "the server had a problem; try again later", {
      cause: { status: response.status },
    });
  }
  try {
    return JSON.parse(body);
  } catch (error) {
    throw new ProtocolError(`${new URL(url).pathname} answered with malformed JSON: ${JSON.stringify(body.slice(0, 60))}`, "is platform.server really a LetsRobot info server?", { cause: error });
  }
}

/** GET a JSON document with a timeout, retrying network failures and 5xx answers with backoff. */
export async function getJson(url: string, options: GetJsonOptions): Promise<unknown> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await getOnce(url, options);
    } catch (error) {
      const status = ((error as Error).cause as { status?: number })?.status;
      const retriable = error instanceof NetworkError || (status !== undefined && status >= 500);
      if (!retriable || attempt >= options.retries || options.signal?.aborted) throw error;
      const delay = backoffDelay(attempt, options.backoff ?? lookupBackoff);
      options.onRetry?.(attempt + 1, error as Error, delay);
      await sleep(delay, options.signal);
    }
  }
}
