import { createPrivateKey, X509Certificate } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { isIP } from "node:net";
import { join } from "node:path";
import type { Config } from "../../config/schema.ts";
import { ConfigError, UsageError } from "../../errors.ts";
import type { Logger } from "../../log.ts";
import type { RunProcess } from "../../process/run.ts";
import { localNetwork, type NetworkView, reachableHosts } from "../http/reachable.ts";

/** The certificate and key `serve` answers TLS with, and what to tell people about it. */
export interface TlsIdentity {
  cert: string;
  key: string;
  certPath: string;
  /** SHA-256 of the certificate, as browsers and `openssl x509 -fingerprint -sha256` show it. */
  fingerprint: string;
  validTo: string;
}

function identityOf(certPath: string, keyPath: string): TlsIdentity {
  const read = (path: string, what: string) => {
    try {
      return readFileSync(path, "utf8");
    } catch (error) {
      throw new ConfigError(`cannot read the TLS ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`, `check server.tls_${what === "certificate" ? "cert" : "key"}`, { cause: error });
    }
  };
  const cert = read(certPath, "certificate");
  const key = read(keyPath, "key");
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (error) {
    throw new ConfigError(`${certPath} is not a PEM certificate`, "server.tls_cert takes a PEM file (-----BEGIN CERTIFICATE-----)", { cause: error });
  }
  try {
    if (!x509.checkPrivateKey(createPrivateKey(key))) throw new Error("mismatch");
  } catch (error) {
    throw new ConfigError(`${keyPath} is not the private key of ${certPath}`, "server.tls_key takes the PEM key the certificate was made for", { cause: error });
  }
  return { cert, key, certPath, fingerprint: x509.fingerprint256, validTo: x509.validTo };
}

/** PEM files the owner gave (server.tls_cert, server.tls_key). */
function readTlsFiles(certPath: string, keyPath: string): TlsIdentity {
  if (!certPath || !keyPath) throw new ConfigError("server.tls_cert and server.tls_key go together", "set both PEM files, or neither (or use serve --tls self-signed)");
  return identityOf(certPath, keyPath);
}

/** The names a self-signed certificate of this machine covers: LAN addresses, NAME.local, the host name, localhost, loopback. */
export function machineNames(network: NetworkView): string[] {
  const hosts = reachableHosts("::", network).map((h) => h.replace(/^\[|\]$/g, ""));
  const name = network.hostname.trim();
  return [...new Set([...hosts, ...(name ? [name] : []), "localhost", "::1"])];
}

const covers = (x509: X509Certificate, names: string[]) => names.every((n) => (isIP(n) ? x509.checkIP(n) : x509.checkHost(n)) !== undefined);

/**
 * A self-signed certificate for this machine, kept in `{dataDir}/tls/` (key mode 600). It is made with the
 * `openssl` program the first time, and again when it no longer names every current address or expires
 * within 30 days (its fingerprint then changes: clients that trusted the old one must trust the new one).
 */
export async function selfSignedIdentity(dataDir: string, names: string[], run: RunProcess, now = Date.now()): Promise<TlsIdentity & { renewed: boolean }> {
  const dir = join(dataDir, "tls");
  const certPath = join(dir, "cert.pem");
  const keyPath = join(dir, "key.pem");
  if (existsSync(certPath) && existsSync(keyPath)) {
    const current = identityOf(certPath, keyPath);
    const x509 = new X509Certificate(current.cert);
    if (covers(x509, names) && Date.parse(x509.validTo) - now > 30 * 86_400_000) return { ...current, renewed: false };
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const san = names.map((n) => (isIP(n) ? `IP:${n}` : `DNS:${n}`)).join(",");
  const result = await run("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "825", "-subj", `/CN=${names.find((n) => !isIP(n)) ?? "letsrobot"}`, "-addext", `subjectAltName=${san}`, "-keyout", keyPath, "-out", certPath], { timeoutMs: 30_000 });
  if (result.missing) throw new ConfigError("serve --tls self-signed needs the openssl program to make its certificate", "install it (apt-get install openssl), or give your own PEM files in server.tls_cert and server.tls_key");
  if (result.code !== 0) throw new ConfigError(`openssl could not make a certificate: ${result.stderr.trim().split("\n").at(-1) ?? ""}`, "give your own PEM files in server.tls_cert and server.tls_key");
  chmodSync(keyPath, 0o600);
  return { ...identityOf(certPath, keyPath), renewed: true };
}

/** The certificate `serve` answers TLS with: `--tls self-signed`, or server.tls_cert + server.tls_key, or none (plain HTTP only). */
export async function tlsOf(mode: string | undefined, server: Pick<Config["server"], "tls_cert" | "tls_key">, dataDir: string, deps: { run: RunProcess; log: Logger }): Promise<TlsIdentity | undefined> {
  const own = server.tls_cert !== "" || server.tls_key !== "";
  if (mode === undefined || mode === "") return own ? readTlsFiles(server.tls_cert, server.tls_key) : undefined;
  if (mode !== "self-signed") throw new UsageError(`--tls takes "self-signed", not ${JSON.stringify(mode)}`, "for your own certificate, set server.tls_cert and server.tls_key instead");
  if (own) throw new UsageError("--tls self-signed and server.tls_cert/tls_key name two different certificates", "drop one of them");
  const names = machineNames(localNetwork());
  const identity = await selfSignedIdentity(dataDir, names, deps.run);
  if (identity.renewed) deps.log.info(`made a self-signed certificate for ${names.join(", ")} in ${identity.certPath}`);
  return identity;
}
