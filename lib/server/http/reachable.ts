import { hostname, networkInterfaces } from "node:os";

/** What `os.networkInterfaces()` reports per address (family is a number on old Node versions). */
interface InterfaceAddress {
  address: string;
  family: string | number;
  internal: boolean;
}

export interface NetworkView {
  interfaces: Record<string, InterfaceAddress[] | undefined>;
  hostname: string;
}

/** This machine's interfaces and host name, as the OS reports them now. */
export function localNetwork(): NetworkView {
  return { interfaces: networkInterfaces(), hostname: hostname() };
}

/** The listen addresses that mean "every interface": 0.0.0.0 (IPv4) and :: (IPv4 and IPv6, dual-stack). */
export function isWildcard(host: string): boolean {
  return host === "0.0.0.0" || host === "::" || host === "";
}

const isIpv6 = (a: InterfaceAddress) => a.family === "IPv6" || a.family === 6;
/** fe80::/10: valid on one link only, and browsers cannot open a URL with the zone it needs. */
const isLinkLocal = (address: string) => /^fe[89ab][0-9a-f]:/i.test(address);
const urlHost = (host: string) => (host.includes(":") ? `[${host}]` : host);

/**
 * The hosts a viewer can type to reach a server listening on `host`, best first: for a wildcard, every
 * non-loopback interface address (IPv6 only when listening on ::, link-local IPv6 left out), then the
 * machine's mDNS name (`NAME.local`, as Raspberry Pi OS announces it), then 127.0.0.1 for this machine.
 * A specific host is the only one. IPv6 hosts come in brackets, ready for a URL.
 */
export function reachableHosts(host: string, network: NetworkView): string[] {
  if (!isWildcard(host)) return [urlHost(host)];
  const withIpv6 = host !== "0.0.0.0";
  const lan: string[] = [];
  for (const addresses of Object.values(network.interfaces)) {
    for (const a of addresses ?? []) {
      if (a.internal || (isIpv6(a) && (!withIpv6 || isLinkLocal(a.address)))) continue;
      if (!lan.includes(urlHost(a.address))) lan.push(urlHost(a.address));
    }
  }
  // IPv4 first: what phones on a home network use
  lan.sort((a, b) => Number(a.startsWith("[")) - Number(b.startsWith("[")));
  const name = network.hostname.trim();
  const mdns = name && name !== "localhost" ? [name.includes(".") ? name : `${name}.local`] : [];
  return [...lan, ...mdns, "127.0.0.1"];
}
