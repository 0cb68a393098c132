/**
 * The socket.io rooms of a robot, named here and nowhere else. `control:{id}` gets commands, `chat:{id}` chat
 * events, `app:{id}` app events (exclusive control, settings changed), `viewers:{id}` the pages watching the
 * robot. A robot socket is in exactly one of `control:`, `chat:`, `app:` or `any:{id}`; `any:` holds the
 * sockets that identified with `identify_robot_id` without saying what they are, and gets the events of all
 * three. `roomOf` is the template literal and nothing more; the per-command path takes a robot's names from
 * `RobotRooms`, built once, and reading a name back allocates nothing but the robot id.
 */

/** What a robot socket is: which of its robot's events it gets. */
export type RobotRole = "control" | "chat" | "app" | "any";
export type RoomKind = RobotRole | "viewers";

export const roomKinds = ["control", "chat", "app", "any", "viewers"] as const satisfies readonly RoomKind[];

/** The room of one kind for a robot: `control:12`. */
export function roomOf(kind: RoomKind, robotId: string): string {
  return `${kind}:${robotId}`;
}

/** Every room name of one robot, built once per robot: a server relaying thousands of commands a second looks them up instead. */
export class RobotRooms {
  private readonly names = new Map<string, Readonly<Record<RoomKind, string>>>();

  of(robotId: string): Readonly<Record<RoomKind, string>> {
    let names = this.names.get(robotId);
    if (!names) {
      // bounded: a server has a few robots; ids come from its store
      if (this.names.size >= 1024) this.names.clear();
      names = { control: roomOf("control", robotId), chat: roomOf("chat", robotId), app: roomOf("app", robotId), any: roomOf("any", robotId), viewers: roomOf("viewers", robotId) };
      this.names.set(robotId, names);
    }
    return names;
  }
}

/** The kind of a robot's room (`control:12` → `control`); undefined for any other name. */
export function roomKind(room: string): RoomKind | undefined {
  const colon = room.indexOf(":");
  for (let i = 0; i < roomKinds.length; i++) {
    const kind = roomKinds[i] as RoomKind;
    if (kind.length === colon && room.startsWith(kind)) return kind;
  }
  return undefined;
}

/** The robot a room is for (`control:12` → `12`); only meaningful when `roomKind` knows the room. */
export function roomRobot(room: string): string {
  return room.slice(room.indexOf(":") + 1);
}

/** The robot whose `any:` sockets also get this room's events (its `control:`, `chat:` or `app:` room), else undefined. */
export function reachesAny(room: string): string | undefined {
  const kind = roomKind(room);
  return kind === "control" || kind === "chat" || kind === "app" ? roomRobot(room) : undefined;
}
