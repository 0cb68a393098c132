import { dlopen, FFIType } from "bun:ffi";

/**
 * sd_notify(3) from this very process: one datagram to $NOTIFY_SOCKET through libc (bun:ffi), so systemd
 * sees the service's main PID as the sender. (Spawning `systemd-notify` races: systemd may read the
 * datagram after that helper has exited and drop it, and a dropped WATCHDOG=1 restarts a healthy robot.)
 * The only bun:ffi user in letsrobot.
 */
export interface NotifySocket {
  send(state: string): boolean;
  close(): void;
}

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0x80000;

/** `struct sockaddr_un` for a path, or an abstract name written as "@name". */
export function socketAddress(path: string): { bytes: Uint8Array; length: number } {
  const name = new TextEncoder().encode(path.startsWith("@") ? `\0${path.slice(1)}` : path);
  if (name.length > 107) throw new Error(`NOTIFY_SOCKET path is too long (${name.length} bytes)`);
  const bytes = new Uint8Array(110);
  new DataView(bytes.buffer).setUint16(0, AF_UNIX, true);
  bytes.set(name, 2);
  return { bytes, length: 2 + name.length + (path.startsWith("@") ? 0 : 1) };
}

/** A datagram socket to systemd, or undefined when libc cannot be loaded (then fall back to systemd-notify). */
export function openNotifySocket(path: string): NotifySocket | undefined {
  let libc: ReturnType<typeof load>;
  try {
    libc = load();
  } catch {
    return undefined;
  }
  const fd = libc.symbols.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return undefined;
  const address = socketAddress(path);
  let open = true;
  return {
    send(state) {
      if (!open) return false;
      const message = new TextEncoder().encode(state);
      return Number(libc.symbols.sendto(fd, message, message.length, 0, address.bytes, address.length)) === message.length;
    },
    close() {
      if (open) libc.symbols.close(fd);
      open = false;
    },
  };
}

function load() {
  return dlopen("libc.so.6", {
    socket: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
    sendto: { args: [FFIType.i32, FFIType.ptr, FFIType.u64, FFIType.i32, FFIType.ptr, FFIType.u32], returns: FFIType.i64 },
    close: { args: [FFIType.i32], returns: FFIType.i32 },
  });
}
