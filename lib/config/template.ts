import { type Section, schema } from "./schema.ts";

const intro: Record<string, string> = {
  platform: "Where the robot connects. Leave server empty to use the embedded local platform.",
  video: "Camera. With no device the robot streams a test pattern (colour bars, a clock, its name).",
  audio: "Microphone. With no device the robot streams a test tone.",
  tts: "Speaking chat aloud.",
  hardware: "The robot's body. sim = simulated robot; firmata = Arduino with StandardFirmata; serial = classic sketch.",
  behaviour: "Safety and chat-command permissions.",
  commands: "Extra command names mapped to actions.",
  twitch: "Twitch: chat commands, the extension panel backend, and the broadcast to your channel (docs/twitch.md).",
  server: "The local platform started by `letsrobot serve` or by `run` when platform.server is empty.",
};

/** A value as TOML text: strings quoted, tables inline. */
function tomlValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(tomlValue).join(", ")}]`;
  if (typeof value === "object" && value !== null) {
    const pairs = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)} = ${tomlValue(v)}`);
    return pairs.length ? `{ ${pairs.join(", ")} }` : "{}";
  }
  return String(value);
}

/** A commented starter config: every key, its default, and one line of help. Secrets are left empty. */
export function configTemplate(values: Partial<Record<string, Record<string, unknown>>> = {}): string {
  const out = [
    "# letsrobot configuration (TOML). Every key is optional; shown values are the defaults.",
    "# Precedence: command-line flags > LETSROBOT_<SECTION>_<KEY> environment variables > this file > defaults.",
    "",
  ];
  for (const [section, fields] of Object.entries(schema)) {
    out.push(`# ${intro[section] ?? ""}`.trimEnd(), `[${section}]`);
    for (const [key, field] of Object.entries(fields as Section)) {
      const given = values[section]?.[key];
      const text = tomlValue(given ?? field.default);
      out.push(`# ${field.doc}`);
      out.push(`${given === undefined && field.type !== "table" ? "# " : ""}${key} = ${text}`);
    }
    out.push("");
  }
  return out.join("\n");
}
