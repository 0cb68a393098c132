import { systemdUnit } from "../lib/robot/service-unit.ts";

/** One release target: Bun's compile target, the file name suffix and Debian's architecture name. */
export interface Target {
  bun: string;
  suffix: string;
  debian: string;
}

export const targets: Target[] = [
  { bun: "bun-linux-x64", suffix: "linux-x64", debian: "amd64" },
  { bun: "bun-linux-arm64", suffix: "linux-arm64", debian: "arm64" },
];

/**
 * What `letsrobot doctor` looks for beyond the hard dependencies: sox plays speech; on a Raspberry Pi the
 * camera tools (rpicam-apps, older images libcamera-apps) and vcgencmd (raspi-utils, older libraspberrypi-bin).
 * apt skips a recommended package its sources do not have, so the Pi ones are harmless elsewhere.
 */
export function recommendsOf(debian: string): string[] {
  return debian === "arm64" ? ["sox", "rpicam-apps | libcamera-apps", "raspi-utils | libraspberrypi-bin"] : ["sox"];
}

/** DEBIAN/control of the package (pure). */
export function debControl(options: { version: string; debian: string; installedKiB: number }): string {
  return [
    "Package: letsrobot",
    `Version: ${options.version}`,
    `Architecture: ${options.debian}`,
    "Maintainer: letsrobot maintainers <maintainers@letsrobot.invalid>",
    `Installed-Size: ${options.installedKiB}`,
    "Depends: ffmpeg, espeak-ng",
    `Recommends: ${recommendsOf(options.debian).join(", ")}`,
    "Section: misc",
    "Priority: optional",
    "Description: put a small telepresence robot online",
    " One program for a robot driven from a web page: live low-latency video and sound, hold-to-drive",
    " buttons, chat read aloud, an owner who moderates. It speaks the LetsRobot.tv and Remo.tv robot APIs,",
    " drives Arduino boards through Firmata, and can be its own platform on the local network.",
    " .",
    " Keep it running at boot as user NAME: systemctl enable --now letsrobot@NAME",
    "",
  ].join("\n");
}

/** usr/share/doc/letsrobot/copyright, in Debian's machine-readable format (pure). */
export function debCopyright(license: string): string {
  return ["Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/", "Upstream-Name: letsrobot", "", "Files: *", `License: ${license}`, ""].join("\n");
}

/**
 * The packaged unit, `letsrobot@.service`: the instance is the user the robot runs as (the Pi's owner, who is
 * in the dialout, video and audio groups), in that user's home, so it reads the same config as `letsrobot run`.
 */
export function debUnit(watchdogSec: number): string {
  return systemdUnit({ command: ["/usr/bin/letsrobot"], workingDirectory: "~", user: "%i", scope: "system", watchdogSec, origin: "the letsrobot package" });
}
