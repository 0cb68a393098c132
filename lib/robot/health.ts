import type { LinkStatus } from "./link-status.ts";

/** Whether the robot does its job, and if not, why (status endpoint, `run --json`, systemd watchdog). */
export interface Health {
  healthy: boolean;
  problems: string[];
}

/**
 * A robot is healthy when its control socket is up and accepted by the server and, when video is on, its video
 * streams. A refusal (wrong or missing robot key) on any socket is a problem even while the socket stays open.
 * Pure.
 */
export function robotHealth(status: { links: LinkStatus[]; video: { running: boolean } }, wants: { video: boolean }): Health {
  const problems: string[] = [];
  for (const link of status.links) {
    if (link.state === "refused") problems.push(`the server refused the robot on the ${link.name} socket (${link.refused ?? "no reason given"}): check platform.robot_key`);
  }
  const control = status.links.find((l) => l.name === "control" || l.name === "remo");
  if (control && control.state !== "connected" && control.state !== "refused") problems.push(`no ${control.name} socket (${control.state})`);
  if (wants.video && !status.video.running) problems.push("no video: the video stream is not running");
  return { healthy: problems.length === 0, problems };
}
