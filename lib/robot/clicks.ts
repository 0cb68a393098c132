import type { Config } from "../config/schema.ts";
import type { Action } from "../hardware/driver.ts";
import type { HandlerContext } from "./handlers.ts";
import { refusal } from "./moderation.ts";

/** A viewer's click on the video: X and Y from 0 (left, top) to 1 (right, bottom). */
export interface Click {
  x: number;
  y: number;
  user: string;
  anonymous: boolean;
  data: string;
}

const mousedown = /^mousedown:(\d{1,3}(?:\.\d{1,10})?):(\d{1,3}(?:\.\d{1,10})?)$/;

/** `custom_event` `{robot_id, data: "mousedown:X:Y", user, anonymous}` for this robot → a click; undefined for anything else. */
export function parseClick(raw: unknown, robotId: string): Click | undefined {
  const o = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>) : undefined;
  if (!o || String(o.robot_id ?? robotId) !== robotId || typeof o.data !== "string") return undefined;
  const match = mousedown.exec(o.data);
  const x = Number(match?.[1]);
  const y = Number(match?.[2]);
  if (!match || !(x >= 0 && x <= 1 && y >= 0 && y <= 1)) return undefined;
  const user = typeof o.user === "string" ? o.user : typeof o.user === "object" && o.user !== null ? String((o.user as { username?: unknown }).username ?? "") : "";
  return { x, y, user, anonymous: o.anonymous === true || user === "", data: o.data };
}

/** Clicks this close to the centre (a fraction of the picture) move nothing. */
const deadZone = 0.02;

/**
 * What a click does, by hardware.click: `aim` steps the pan and tilt servos toward the point (a click at the
 * picture's edge turns the camera by half of hardware.click_fov, the camera's horizontal view in degrees; the
 * vertical view is taken as 3/4 of it); `turn` turns the robot toward it with one turn pulse; `off` nothing.
 */
export function planClick(click: Pick<Click, "x" | "y">, hw: Pick<Config["hardware"], "click" | "click_fov">): { actions: Action[] } | { command: "l" | "r" } | undefined {
  const dx = 0.5 - click.x;
  const dy = 0.5 - click.y;
  if (hw.click === "turn") return Math.abs(dx) < deadZone ? undefined : { command: dx > 0 ? "l" : "r" };
  if (hw.click !== "aim") return undefined;
  const actions: Action[] = [];
  // positive steps pan left and tilt up, as the pan_left and U commands do
  const pan = Math.abs(dx) < deadZone ? 0 : Math.round(dx * hw.click_fov);
  const tilt = Math.abs(dy) < deadZone ? 0 : Math.round(dy * hw.click_fov * 0.75);
  if (pan !== 0) actions.push({ kind: "servo", servo: "pan", step: pan });
  if (tilt !== 0) actions.push({ kind: "servo", servo: "tilt", step: tilt });
  return actions.length ? { actions } : undefined;
}

/** `custom_event` from the control socket: a click on the video, through moderation, to the executor. */
export function onCustomEvent(ctx: HandlerContext, raw: unknown): void {
  const click = parseClick(raw, ctx.robotId);
  const plan = click && planClick(click, ctx.config.hardware);
  if (!click || !plan) return;
  const first: Action = "actions" in plan ? (plan.actions[0] as Action) : { kind: "drive", left: plan.command === "l" ? -1 : 1, right: plan.command === "l" ? 1 : -1 };
  const denied = refusal(ctx.moderation, click, first, ctx.roles, ctx.config.behaviour, ctx.clock.now());
  ctx.emit({ type: "command", user: click.user, command: click.data, key_position: "", accepted: !denied, reason: denied });
  if (denied) return;
  if ("command" in plan) ctx.executor.handle(plan.command);
  else for (const action of plan.actions) ctx.executor.act(action);
}
