import { hashSecret, newSecret, newShortId } from "../store/credentials.ts";

/**
 * Who a viewer is, as the server sees it: a session the server started, not the name the viewer typed.
 * Every socket belongs to a session: a new one, or the one whose secret it presented (credential `session`,
 * handed out in the `watch_robot` reply), so a page that reconnects or reloads is still the same viewer.
 * A session may hold a guest name; while any of its sockets is connected no other session can take that
 * name (case-insensitive). Rate limits and exclusive control are keyed by the session's id.
 */
export interface GuestSession {
  /** Public id: rate-limit key, exclusive-control holder. Never a credential. */
  readonly id: string;
  /** Given to the client once, to resume this session. */
  readonly secret: string;
  name?: string;
  readonly sockets: Set<string>;
  lastSeen: number;
}

export interface GuestBook {
  /** The session of a new socket: the one whose secret it presented, or a new one. */
  open(socketId: string, secret: string | undefined): GuestSession;
  /** Hold `name` for the session; false when another session with a connected socket holds it. */
  claim(session: GuestSession, name: string): boolean;
  /** The session that holds a name now, if any. */
  holder(name: string): GuestSession | undefined;
  /** The socket is gone; a session without sockets gives its name back. */
  close(session: GuestSession, socketId: string): void;
  size(): number;
}

export function createGuestBook(options: { maxSessions?: number; now?: () => number } = {}): GuestBook {
  const maxSessions = options.maxSessions ?? 20_000;
  const now = options.now ?? Date.now;
  /** By the hash of the secret, so a lookup never compares secrets directly. */
  const sessions = new Map<string, GuestSession>();
  const names = new Map<string, GuestSession>();

  /** Forget the longest-idle sessions without sockets once there are too many (Map order = insertion). */
  const prune = () => {
    for (const [key, session] of sessions) {
      if (sessions.size < maxSessions) return;
      if (session.sockets.size === 0) sessions.delete(key);
    }
  };

  const holder = (name: string) => {
    const session = names.get(name.toLowerCase());
    return session && session.sockets.size > 0 && session.name?.toLowerCase() === name.toLowerCase() ? session : undefined;
  };

  return {
    open(socketId, secret) {
      let session = secret === undefined ? undefined : sessions.get(hashSecret(secret));
      if (!session) {
        prune();
        const fresh: GuestSession = { id: newShortId(), secret: newSecret(), sockets: new Set(), lastSeen: now() };
        sessions.set(hashSecret(fresh.secret), fresh);
        session = fresh;
      }
      session.sockets.add(socketId);
      session.lastSeen = now();
      return session;
    },
    claim(session, name) {
      const current = holder(name);
      if (current && current !== session) return false;
      if (session.name && session.name.toLowerCase() !== name.toLowerCase() && names.get(session.name.toLowerCase()) === session) names.delete(session.name.toLowerCase());
      session.name = name;
      names.set(name.toLowerCase(), session);
      return true;
    },
    holder,
    close(session, socketId) {
      session.sockets.delete(socketId);
      session.lastSeen = now();
      if (session.sockets.size === 0 && session.name && names.get(session.name.toLowerCase()) === session) names.delete(session.name.toLowerCase());
    },
    size: () => sessions.size,
  };
}
