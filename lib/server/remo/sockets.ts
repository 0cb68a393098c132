import { decodeFrame, encodeFrame, RemoEvent } from "../../remo/protocol.ts";
import { type ChatMessage, chatMessage } from "../sockets/chat-log.ts";
import { errorText } from "../guard.ts";
import type { Hub } from "../sockets/hub.ts";
import { TokenBucket } from "../../rate-limit.ts";
import { realClock } from "../../clock.ts";
import { buttonCommand, messageReceived, PressFilter, remoChannel, remoServerId, robotIdOf } from "./messages.ts";
import type { RobotRecord } from "../store/robot-record.ts";
import type { SocketServer } from "../sockets/socket-server.ts";
import { cleanChatText, maxChatLength, shown } from "../sockets/viewer-messages.ts";
import { roomKind, roomOf, roomRobot } from "../sockets/rooms.ts";
import type { MessageSocket } from "../relay/ws-server.ts";

/**
 * Remo-style robots on `serve` (docs/protocol.md 2): a plain websocket speaking `{e, d}`. The robot authenticates
 * with its robot key (`AUTHENTICATE_ROBOT {token}` → `ROBOT_VALIDATED {id, host}`), joins its channel and
 * from then on gets the viewers' commands as `BUTTON_COMMAND` and their chat as `MESSAGE_RECEIVED`; what it
 * says (`ROBOT_MESSAGE_SENT`) reaches the viewer pages as chat. The hub does not know about these sockets:
 * `bridge()` wraps the socket server the hub emits through, so Remo robots sit in the same control and chat
 * rooms as socket.io robots and the viewer path (rate limits, exclusive control, offline checks) is shared.
 */
export interface RemoRobots {
  accept(socket: MessageSocket): void;
  /** The robot a robot key belongs to. */
  robotByKey(token: string): RobotRecord | undefined;
  bridge(io: SocketServer): SocketServer;
  connections(): number;
  close(): void;
}

const authTimeoutMs = 10_000;

export function createRemoRobots(hub: Hub): RemoRobots {
  const byRobot = new Map<string, Set<MessageSocket>>();
  const log = hub.log.withTag("remo");

  const robotByKey = (token: string) => (token ? hub.store.robots().find((r) => hub.store.robotKeyMatches(r.id, token)) : undefined);
  const socketsOf = (robotId: string) => byRobot.get(robotId) ?? new Set<MessageSocket>();
  const sendAll = (robotId: string, e: string, d: unknown) => {
    const frame = encodeFrame(e, d);
    for (const socket of socketsOf(robotId)) socket.send(frame);
  };
  // robots that said they read key_position get holds and releases; stock Remo robots one command per press
  const keyAware = new WeakSet<MessageSocket>();
  const presses = new PressFilter();
  const sendCommand = (robotId: string, d: { key_position: string } & Record<string, unknown>, press: boolean) => {
    const { key_position: _position, ...plain } = d;
    const full = encodeFrame(RemoEvent.buttonCommand, d);
    const stock = encodeFrame(RemoEvent.buttonCommand, plain);
    for (const socket of socketsOf(robotId)) {
      if (keyAware.has(socket)) socket.send(full);
      else if (press) socket.send(stock);
    }
  };

  function speak(robot: RobotRecord, d: unknown): void {
    const o = typeof d === "object" && d !== null ? (d as Record<string, unknown>) : {};
    const text = typeof o.message === "string" ? cleanChatText(o.message).slice(0, maxChatLength) : "";
    if (!text) return;
    const message = chatMessage(robot, { name: robot.name, anonymous: false }, text, hub.now());
    hub.chat.add(message);
    hub.emit(roomOf("viewers", robot.id), "chat_message_with_name", message);
  }

  function accept(socket: MessageSocket): void {
    let robot: RobotRecord | undefined;
    const budget = new TokenBucket({ burst: 60, perSecond: 30 }, realClock.now);
    const deadline = setTimeout(() => {
      if (!robot) socket.close(1008, "authenticate first");
    }, authTimeoutMs);
    const refuse = (why: string) => socket.send(encodeFrame(RemoEvent.error, why));

    // the same guard as socket.io events: a budget per socket, and nothing a frame holds can throw past here
    socket.onMessage((text) => {
      if (!budget.take()) return refuse("too many frames: at most 30 per second");
      try {
        onFrame(text);
      } catch (error) {
        log.warn(`a Remo frame from ${socket.address} could not be handled (${errorText(error)})`);
        refuse("this frame could not be handled: check its shape");
      }
    });

    function onFrame(text: string): void {
      const frame = decodeFrame(text);
      if (!frame) return refuse("expected a JSON frame {e, d}");
      if (frame.e === RemoEvent.authenticate) {
        const login = typeof frame.d === "object" && frame.d !== null ? (frame.d as { token?: unknown; key_position?: unknown }) : {};
        const token = login.token;
        const found = typeof token === "string" ? robotByKey(token) : undefined;
        if (!found) {
          log.warn(`refused a Remo robot from ${socket.address}: wrong robot key`);
          socket.send(encodeFrame(RemoEvent.invalidToken, "robot key not recognised"));
          socket.close(1008, "invalid token");
          return;
        }
        if (robot && robot.id !== found.id) return refuse(`this socket already speaks for robot ${robot.id}`);
        const first = !robot;
        robot = found;
        clearTimeout(deadline);
        if (login.key_position === true) keyAware.add(socket);
        if (!byRobot.has(found.id)) byRobot.set(found.id, new Set());
        byRobot.get(found.id)?.add(socket);
        hub.liveOf(found.id).lastSeen = hub.now();
        if (first) log.info(`Remo robot ${found.name} (${found.id}) connected`);
        socket.send(encodeFrame(RemoEvent.validated, { id: found.id, host: remoServerId(found) }));
        hub.publishState(found.id);
        return;
      }
      if (!robot) return refuse(`send ${RemoEvent.authenticate} {token} first`);
      hub.liveOf(robot.id).lastSeen = hub.now();
      const channel = remoChannel(robot);
      switch (frame.e) {
        case RemoEvent.joinChannel:
          if (frame.d !== channel.id) refuse(`no channel ${shown(frame.d)} for this robot (its channel is ${channel.id})`);
          return;
        case RemoEvent.getChat:
          if (typeof frame.d !== "string" || robotIdOf(frame.d, "chat") !== robot.id) refuse(`no chat ${shown(frame.d)} for this robot`);
          return;
        case RemoEvent.robotMessage:
          return speak(robot, frame.d);
        default:
          return; // other Remo events (status reports, moderation) are accepted and ignored
      }
    }

    socket.onClose(() => {
      clearTimeout(deadline);
      if (!robot) return;
      const set = byRobot.get(robot.id);
      set?.delete(socket);
      if (set?.size === 0) byRobot.delete(robot.id);
      if (!hub.state(robot.id).online) log.info(`Remo robot ${robot.name} (${robot.id}) went offline`);
      hub.publishState(robot.id);
    });
  }

  /** A hub event for a room → the Remo frames for the robots in it. */
  function forward(room: string, event: string, data: unknown): void {
    if (byRobot.size === 0) return; // no Remo robot connected: nothing to translate
    const kind = roomKind(room);
    if (kind !== "control" && kind !== "chat") return;
    const robotId = roomRobot(room);
    const robot = byRobot.has(robotId) ? hub.store.robot(robotId) : undefined;
    if (!robot) return;
    if (kind === "control" && event === "command_to_robot") {
      const sent = data as Parameters<typeof buttonCommand>[1];
      const d = buttonCommand(robot, sent);
      if (!d) return log.debug(`not forwarding a command to Remo robot ${robot.name}: no stored button has it`);
      return sendCommand(robotId, d, presses.isPress(robotId, sent, hub.now()));
    }
    if (kind === "chat" && event === "chat_message_with_name") {
      const message = data as ChatMessage;
      const isOwner = message.name.toLowerCase() === robot.owner.toLowerCase() && !message.anonymous;
      const isModerator = !message.anonymous && (hub.store.moderators(robot.owner) ?? []).some((m) => m.toLowerCase() === message.name.toLowerCase());
      sendAll(robotId, RemoEvent.messageReceived, messageReceived(robot, message, { isOwner, isModerator }));
    }
  }

  /** Remo sockets in a room, counted as its socket.io members are: a Remo robot is in its control and chat rooms. */
  const remoInRoom = (room: string) => {
    if (byRobot.size === 0) return 0;
    const kind = roomKind(room);
    return kind === "control" || kind === "chat" ? socketsOf(roomRobot(room)).size : 0;
  };

  return {
    accept,
    robotByKey,
    bridge: (io) => ({
      emitTo(room, event, data) {
        io.emitTo(room, event, data);
        forward(room, event, data);
      },
      emitHere(room, event, data) {
        const here = io.emitHere(room, event, data);
        forward(room, event, data);
        return here + remoInRoom(room);
      },
      roomSize: (room) => io.roomSize(room) + remoInRoom(room),
      connections: () => io.connections() + [...byRobot.values()].reduce((n, s) => n + s.size, 0),
      close: () => io.close(),
    }),
    connections: () => [...byRobot.values()].reduce((n, s) => n + s.size, 0),
    close() {
      for (const set of byRobot.values()) for (const socket of set) socket.close(1001, "server stopping");
      byRobot.clear();
    },
  };
}
