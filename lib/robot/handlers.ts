import type { Config } from "../config/schema.ts";
import { planCommand } from "../hardware/driver.ts";
import type { Logger } from "../log.ts";
import type { RobotSettings } from "../platform/lookups.ts";
import { speechFor } from "../speech/filter.ts";
import type { SpeechQueue } from "../speech/queue.ts";
import { type ChatEffect, parseChatCommand, runChatCommand } from "./chat-commands.ts";
import type { Clock } from "../clock.ts";
import type { RobotEvent } from "./events.ts";
import type { CommandExecutor } from "./executor.ts";
import type { MediaControl } from "./media-control.ts";
import { isSilenced, type ModerationState, type Roles, refusal } from "./moderation.ts";
import { type ChatMessage, normaliseChat, normaliseCommand, normaliseExclusive, type RobotCommand, removedMessageId } from "./payload.ts";

/** What the event handlers share: the robot's state and the parts they drive. */
export interface HandlerContext {
  config: Config;
  robotId: string;
  roles: Roles;
  moderation: ModerationState;
  executor: CommandExecutor;
  media: MediaControl;
  speech?: SpeechQueue;
  /** Why there is no speech queue, for chat events. */
  speechOff?: string;
  clock: Clock;
  log: Logger;
  emit: (event: RobotEvent) => void;
  /** Re-read the robot's settings from the platform (robot_settings_changed). */
  fetchSettings: () => Promise<RobotSettings>;
  settings: RobotSettings;
  last?: { command: string; user: string; at: number; latencyMs?: number };
  /** Who issued the motion that is running, so only they (or the allowed) can release it. */
  driving?: string;
}

const VIDEO_WORDS: Record<string, "start" | "stop"> = { vidon: "start", vidoff: "stop" };

function mediaOp(ctx: HandlerContext, kind: "video" | "audio", op: "start" | "stop" | "restart"): void {
  ctx.media[op](kind).then(
    () => ctx.emit({ type: "media", kind, op, ok: true }),
    (error: Error) => ctx.emit({ type: "media", kind, op, ok: false, detail: error.message }),
  );
}

/** `command_to_robot` from the control socket (and VIDON/VIDOFF from the app socket). */
export function onCommand(ctx: HandlerContext, raw: unknown): void {
  const command = normaliseCommand(raw, ctx.robotId);
  if (command) obeyCommand(ctx, command);
}

/** A decoded command, whichever protocol it came from (LetsRobot `command_to_robot`, Remo `BUTTON_COMMAND`). */
export function obeyCommand(ctx: HandlerContext, command: RobotCommand): void {
  const video = VIDEO_WORDS[command.command.toLowerCase()];
  const sender = { user: command.user, anonymous: command.anonymous };
  if (video) {
    const denied = refusal(ctx.moderation, sender, { kind: "raw", command: command.command }, ctx.roles, ctx.config.behaviour, ctx.clock.now());
    ctx.emit({ type: "command", user: command.user, command: command.command, key_position: command.keyPosition, accepted: !denied, reason: denied });
    if (!denied && command.keyPosition !== "up") mediaOp(ctx, "video", video);
    return;
  }
  const plan = planCommand(command.command, ctx.config);
  if (!plan) return;
  const release = command.keyPosition === "up";
  const ownRelease = release && ctx.driving !== undefined && ctx.driving.toLowerCase() === command.user.toLowerCase();
  const denied = ownRelease ? undefined : refusal(ctx.moderation, sender, plan.action, ctx.roles, ctx.config.behaviour, ctx.clock.now());
  ctx.emit({ type: "command", user: command.user, command: command.command, key_position: command.keyPosition, accepted: !denied, reason: denied });
  if (denied) return;
  const received = ctx.clock.now();
  ctx.executor.handle(command.command, command.keyPosition);
  if (plan.action.kind === "drive" && !release) ctx.driving = command.user;
  const last = { command: command.command, user: command.user, at: Date.now() } as NonNullable<HandlerContext["last"]>;
  ctx.last = last;
  void ctx.executor.idle().then(() => {
    last.latencyMs = ctx.clock.now() - received;
  });
}

function applyEffect(ctx: HandlerContext, effect: ChatEffect): void {
  switch (effect.kind) {
    case "stop":
      ctx.executor.halt("emergency");
      return;
    case "video":
    case "audio":
      mediaOp(ctx, effect.kind, effect.op);
      return;
    case "video-bitrate":
      ctx.media.update({ bitrateKbps: effect.kbps }).then(
        () => ctx.emit({ type: "media", kind: "video", op: `bitrate ${effect.kbps}`, ok: true }),
        (error: Error) => ctx.emit({ type: "media", kind: "video", op: "bitrate", ok: false, detail: error.message }),
      );
      return;
    case "mic-mute":
      mediaOp(ctx, "audio", effect.muted ? "stop" : "start");
      return;
    case "tts-mute":
      ctx.speech?.setMuted(effect.muted);
      return;
    case "tts-volume":
      ctx.speech?.setVolume(effect.volume);
      return;
    case "mute-user":
      ctx.speech?.muteUser(effect.user, effect.muted);
      return;
  }
}

/** `chat_message_with_name`: a dot-command is run (permission-checked), anything else may be spoken. */
export function onChat(ctx: HandlerContext, raw: unknown): void {
  const message = normaliseChat(raw, ctx.robotId);
  if (message) hearChat(ctx, message);
}

/** A decoded chat message, whichever protocol it came from (LetsRobot `chat_message_with_name`, Remo `MESSAGE_RECEIVED`). */
export function hearChat(ctx: HandlerContext, message: ChatMessage): void {
  const sender = { user: message.user, anonymous: message.anonymous };
  const parsed = parseChatCommand(message.text);
  if (parsed) {
    const result = runChatCommand(parsed, sender, { state: ctx.moderation, roles: ctx.roles, behaviour: ctx.config.behaviour, now: ctx.clock.now() });
    ctx.emit({ type: "chat_command", user: message.user, command: parsed.name, reply: result.reply, refused: result.refused === true });
    if (!result.refused) for (const effect of result.effects) applyEffect(ctx, effect);
    return;
  }
  // `queued`: waiting to be spoken; a `spoken` event follows once it has been heard
  if (message.user && isSilenced(ctx.moderation, message.user, ctx.clock.now())) {
    ctx.emit({ type: "chat", user: message.user, text: message.text, queued: false, reason: "banned or timed out" });
    return;
  }
  const decision = speechFor(message, ctx.config.tts);
  if (!ctx.speech) {
    ctx.emit({ type: "chat", user: message.user, text: message.text, queued: false, reason: ctx.speechOff ?? "speech is off" });
    return;
  }
  if (!decision.speak) {
    ctx.emit({ type: "chat", user: message.user, text: message.text, queued: false, reason: decision.reason });
    return;
  }
  const queued = ctx.speech.enqueue({ id: message.id, user: message.user, text: decision.text });
  ctx.emit({ type: "chat", user: message.user, text: message.text, queued, reason: queued ? undefined : "muted or queue full" });
}

export function onMessageRemoved(ctx: HandlerContext, raw: unknown): void {
  const id = removedMessageId(raw);
  if (id && ctx.speech?.cancel(id)) ctx.log.info(`removed message ${id} will not be spoken`);
}

/** `user_blocked` / `user_timeout` from the platform: the user may not drive and is not spoken. */
export function onUserModerated(ctx: HandlerContext, raw: unknown, kind: "blocked" | "timeout"): void {
  const payload = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>) : { username: raw };
  const user = String(payload.username ?? payload.user ?? payload.name ?? "").trim();
  if (!user) return;
  if (kind === "blocked") ctx.moderation.banned.add(user.toLowerCase());
  else {
    const seconds = Number(payload.timeout ?? payload.seconds ?? payload.duration);
    ctx.moderation.timeouts.set(user.toLowerCase(), ctx.clock.now() + (Number.isFinite(seconds) && seconds > 0 ? seconds : 300) * 1000);
  }
  ctx.speech?.muteUser(user, true);
  ctx.log.info(`the platform ${kind === "blocked" ? "blocked" : "timed out"} ${user}`);
}

export function onExclusive(ctx: HandlerContext, raw: unknown): void {
  const exclusive = normaliseExclusive(raw, ctx.robotId);
  if (!exclusive) return;
  ctx.moderation.platformExclusive = exclusive.active ? exclusive.user : undefined;
  ctx.log.info(exclusive.active ? `${exclusive.user ?? "a viewer"} has exclusive control` : "exclusive control ended");
}

/** Which stream-relevant settings differ. Pure. */
export function settingsChanges(before: RobotSettings, after: RobotSettings): string[] {
  const changed: string[] = [];
  if (before.xres !== after.xres || before.yres !== after.yres) changed.push("resolution");
  if (before.micEnabled !== after.micEnabled) changed.push("mic");
  return changed;
}

/** `robot_settings_changed`: re-read the settings and restart only the streams that changed. */
export async function onSettingsChanged(ctx: HandlerContext): Promise<void> {
  let next: RobotSettings;
  try {
    next = await ctx.fetchSettings();
  } catch (error) {
    ctx.log.warn(`could not re-read robot settings: ${(error as Error).message}`);
    return;
  }
  const changed = settingsChanges(ctx.settings, next);
  ctx.settings = next;
  ctx.emit({ type: "settings", changed });
  if (changed.length === 0) return;
  await ctx.media
    .update({
      ...(changed.includes("resolution") ? { xres: next.xres, yres: next.yres } : {}),
      ...(changed.includes("mic") ? { micEnabled: next.micEnabled } : {}),
    })
    .catch((error: Error) => ctx.log.warn(`stream restart after settings change failed: ${error.message}`));
}
