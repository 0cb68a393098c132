import type { Deps } from "../lib/deps.ts";
import { type Action, about, type Runnable } from "./about.ts";
import type { Command } from "./usage.ts";

/**
 * A command described by `about` whose module is imported only when it runs, so its help and flag checks
 * load nothing else. citty hands the deps over as the run's `data` (commands/dispatch.ts).
 */
function runs<K extends Runnable>(name: K, load: () => Promise<Action<K>>): Command {
  // citty parses the flags by this very entry of `about`, so they have its types
  return { ...about[name], run: async ({ args, data }) => (await load())(args as Parameters<Action<K>>[0], data as Deps) };
}

/**
 * The command tree. No command's module and not citty (it loads node:util at start, ~1 ms) are loaded to
 * walk it: `--help` at any depth and usage errors cost about what `--version` costs.
 */
export const rootCommand: Command = {
  ...about.letsrobot,
  subCommands: {
    doctor: runs("doctor", () => import("./doctor.ts").then((m) => m.doctorAction)),
    probe: runs("probe", () => import("./probe.ts").then((m) => m.probeAction)),
    send: runs("send", () => import("./send.ts").then((m) => m.sendAction)),
    watch: runs("watch", () => import("./watch.ts").then((m) => m.watchAction)),
    stream: runs("stream", () => import("./stream.ts").then((m) => m.streamAction)),
    camera: runs("camera", () => import("./camera.ts").then((m) => m.cameraAction)),
    mic: runs("mic", () => import("./mic.ts").then((m) => m.micAction)),
    serve: {
      ...runs("serve", () => import("./serve.ts").then((m) => m.serveAction)),
      subCommands: {
        robot: {
          ...about["serve robot"],
          subCommands: {
            add: runs("serve robot add", () => import("./serve.ts").then((m) => m.robotAddAction)),
            list: runs("serve robot list", () => import("./serve.ts").then((m) => m.robotListAction)),
            set: runs("serve robot set", () => import("./serve.ts").then((m) => m.robotSetAction)),
          },
        },
      },
    },
    run: runs("run", () => import("./run.ts").then((m) => m.runAction)),
    hw: {
      ...about.hw,
      subCommands: {
        list: runs("hw list", () => import("./hw.ts").then((m) => m.hwListAction)),
        test: runs("hw test", () => import("./hw.ts").then((m) => m.hwTestAction)),
        drive: runs("hw drive", () => import("./hw.ts").then((m) => m.hwDriveAction)),
      },
    },
    service: { ...about.service, subCommands: { install: runs("service install", () => import("./service.ts").then((m) => m.serviceInstallAction)) } },
    init: runs("init", () => import("./init.ts").then((m) => m.initAction)),
  },
};
