import type { CommandDef } from "citty";
import type { Deps } from "../lib/deps.ts";
import { about } from "./about.ts";

// biome-ignore lint/suspicious/noExplicitAny: each subcommand has its own args type
type Loader = () => Promise<CommandDef<any>>;

/** A subcommand imported on first use that carries its meta, so the root's help loads no subcommand. */
export type LazyCommand = Loader & { meta: { name: string; description: string } };

function lazy(name: keyof typeof about, load: Loader): LazyCommand {
  return Object.assign(load, { meta: about[name] });
}

/**
 * The root command. Subcommands are imported lazily so one command never loads another's libraries; citty
 * itself is not loaded for the root's help (it loads node:util at start, ~1 ms), so no defineCommand here.
 */
export function createRootCommand(deps: Deps): CommandDef {
  return {
    meta: {
      name: "letsrobot",
      version: deps.version,
      description: "Put a robot online: live video, remote control, chat aloud. Global flags: --verbose, --quiet",
    },
    subCommands: {
      doctor: lazy("doctor", () => import("./doctor.ts").then((m) => m.createDoctorCommand(deps))),
      probe: lazy("probe", () => import("./probe.ts").then((m) => m.createProbeCommand(deps))),
      send: lazy("send", () => import("./send.ts").then((m) => m.createSendCommand(deps))),
      watch: lazy("watch", () => import("./watch.ts").then((m) => m.createWatchCommand(deps))),
      stream: lazy("stream", () => import("./stream.ts").then((m) => m.createStreamCommand(deps))),
      camera: lazy("camera", () => import("./camera.ts").then((m) => m.createCameraCommand(deps))),
      mic: lazy("mic", () => import("./mic.ts").then((m) => m.createMicCommand(deps))),
      serve: lazy("serve", () => import("./serve.ts").then((m) => m.createServeCommand(deps))),
      run: lazy("run", () => import("./run.ts").then((m) => m.createRunCommand(deps))),
      hw: lazy("hw", () => import("./hw.ts").then((m) => m.createHwCommand(deps))),
      service: lazy("service", () => import("./service.ts").then((m) => m.createServiceCommand(deps))),
      init: lazy("init", () => import("./init.ts").then((m) => m.createInitCommand(deps))),
    },
  };
}
