import { createHash } from "node:crypto";
import type { GuestSession } from "./guests.ts";
import type { Hub } from "./hub.ts";
import { validName } from "../store/robot-record.ts";
import type { ClientSocket } from "./socket-server.ts";

/** Who a viewer socket is: the owner (presented the owner token), a named guest, or anonymous; always a server session. */
export interface ViewerSession {
  name: string;
  anonymous: boolean;
  /** Set when the socket presented a valid owner token. */
  owner?: string;
  /** Why a requested name or token was not accepted. */
  notice?: string;
  /** The server's session (lib/server/sockets/guests.ts): what limits and exclusive control are keyed by. */
  session: GuestSession;
}

/** The session of a viewer socket, from the credentials it presented (owner token, session secret, guest name). */
export function viewerSession(socket: ClientSocket, hub: Hub): ViewerSession {
  const session = hub.guests.open(socket.id, socket.credential("session"));
  const token = socket.credential("token");
  const wanted = socket.credential("name");
  const anonymous = (notice?: string): ViewerSession => ({
    name: `anon-${createHash("sha256").update(session.id).digest("hex").slice(0, 5)}`,
    anonymous: true,
    session,
    ...(notice ? { notice } : {}),
  });
  if (token !== undefined) {
    const owner = hub.store.ownerByToken(token);
    return owner ? { name: owner, anonymous: false, owner, session } : anonymous("owner token not recognised: you are anonymous");
  }
  if (wanted === undefined) return anonymous();
  if (!validName(wanted)) return anonymous("names are 1-32 letters, digits, _ . - : you are anonymous");
  // robots trust owner and moderator names for chat commands: nobody may claim them without a token
  if (hub.store.isOwner(wanted)) return anonymous(`"${wanted}" is a robot owner's name; sign in with the owner token to use it`);
  if (hub.store.isModerator(wanted)) return anonymous(`"${wanted}" is a moderator's name, which needs a sign-in this server does not offer yet`);
  if (!hub.guests.claim(session, wanted)) return anonymous(`"${wanted}" is in use by another viewer: pick another name`);
  return { name: wanted, anonymous: false, session };
}
