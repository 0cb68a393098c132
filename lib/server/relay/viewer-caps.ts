/** How many websocket viewers the relay takes: per camera stream, in all, and from one address. */
export interface ViewerCapsOptions {
  /** Most viewers of one camera's stream; more get HTTP 503. */
  perStream: number;
  /** Most viewers on the whole relay; more get HTTP 503. */
  total: number;
  /** Most viewers from one address (0 = no per-address cap, e.g. behind a reverse proxy); more get HTTP 429. */
  perAddress: number;
}

export interface Refusal {
  /** The HTTP status line the upgrade is answered with. */
  status: "503 Service Unavailable" | "429 Too Many Requests";
  /** What to log. */
  reason: string;
}

/** The relay's viewer caps. Viewers count from their upgrade on, so a burst of handshakes cannot pass them. */
export class ViewerCaps {
  private open = 0;
  private readonly byAddress = new Map<string, number>();

  constructor(private readonly caps: ViewerCapsOptions) {}

  /** Why a new viewer of camera `cameraId`'s streams (which have `watching` viewers each) is refused, if it is. */
  refusal(cameraId: string, watching: number[], address: string): Refusal | undefined {
    const { perStream, total, perAddress } = this.caps;
    if (watching.some((n) => n >= perStream)) return { status: "503 Service Unavailable", reason: `camera ${cameraId} has ${perStream} stream viewers already` };
    if (this.open >= total) return { status: "503 Service Unavailable", reason: `the relay has ${total} viewers already` };
    if (perAddress > 0 && (this.byAddress.get(address) ?? 0) >= perAddress) return { status: "429 Too Many Requests", reason: `${address} has ${perAddress} stream viewers already` };
    return undefined;
  }

  /** Count a viewer from `address` in. */
  enter(address: string): void {
    this.open += 1;
    this.byAddress.set(address, (this.byAddress.get(address) ?? 0) + 1);
  }

  /** Count it out again. */
  leave(address: string): void {
    this.open -= 1;
    const left = (this.byAddress.get(address) ?? 1) - 1;
    if (left > 0) this.byAddress.set(address, left);
    else this.byAddress.delete(address);
  }
}
