/** Flags shared by the commands that talk to a robot platform. Each maps to a config key. */
export const configArgs = {
  config: { type: "string", description: "Config file (default: ./letsrobot.toml, then ~/.config/letsrobot/letsrobot.toml)", valueHint: "file" },
  server: { type: "string", description: "Info server URL (overrides platform.server)", valueHint: "url" },
  "robot-id": { type: "string", description: "Robot id (overrides platform.robot_id)", valueHint: "id" },
  "camera-id": { type: "string", description: "Camera id (overrides platform.camera_id)", valueHint: "id" },
} as const;

export const jsonArg = {
  json: { type: "boolean", description: "Print results as JSON on stdout" },
} as const;

/** Flags every command accepts; cli/main.ts reads them before dispatch. */
export const globalFlags = ["--verbose", "-v", "--quiet", "-q", "--help", "-h", "--version"] as const;

/** The config overlay from the shared flags. */
export function configFlags(args: Record<string, unknown>): Record<string, string | undefined> {
  const text = (v: unknown) => (typeof v === "string" ? v : undefined);
  return {
    "platform.server": text(args.server),
    "platform.robot_id": text(args["robot-id"]),
    "platform.camera_id": text(args["camera-id"]),
  };
}
