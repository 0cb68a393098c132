import { defineCommand } from "citty";
import type { Deps } from "../lib/deps.ts";

/** The root command. Subcommands are imported lazily so one command never loads another's libraries. */
export function createRootCommand(deps: Deps) {
  return defineCommand({
    meta: {
      name: "letsrobot",
      version: deps.version,
      description: "Put a robot online: live video, remote control, chat aloud. Global flags: --verbose, --quiet",
    },
    subCommands: {
      doctor: () => import("./doctor.ts").then((m) => m.createDoctorCommand(deps)),
      probe: () => import("./probe.ts").then((m) => m.createProbeCommand(deps)),
      send: () => import("./send.ts").then((m) => m.createSendCommand(deps)),
      watch: () => import("./watch.ts").then((m) => m.createWatchCommand(deps)),
      stream: () => import("./stream.ts").then((m) => m.createStreamCommand(deps)),
      camera: () => import("./camera.ts").then((m) => m.createCameraCommand(deps)),
      mic: () => import("./mic.ts").then((m) => m.createMicCommand(deps)),
      serve: () => import("./serve.ts").then((m) => m.createServeCommand(deps)),
      run: () => import("./run.ts").then((m) => m.createRunCommand(deps)),
      hw: () => import("./hw.ts").then((m) => m.createHwCommand(deps)),
      service: () => import("./service.ts").then((m) => m.createServiceCommand(deps)),
      bench: () => import("./bench.ts").then((m) => m.createBenchCommand(deps)),
      init: () => import("./init.ts").then((m) => m.createInitCommand(deps)),
    },
  });
}
