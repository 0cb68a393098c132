import { ConfigError } from "../errors.ts";
import { closest } from "../spelling.ts";
import { type Config, type Field, type Section, schema } from "./schema.ts";
import { ROOT_VARIABLES } from "../deps.ts";

/** One layer of settings: section → key → value, already typed. */
export type Layer = Record<string, Record<string, unknown>>;

interface Problem {
  key: string;
  message: string;
  fix: string;
  line?: number;
}

/** Where a layer came from, used in error messages: a file (with its text for line numbers), env or flags. */
export interface LayerSource {
  name: string;
  text?: string;
}

const sectionNames = Object.keys(schema);

function fieldOf(section: string, key: string): Field | undefined {
  return (schema as Record<string, Section>)[section]?.[key];
}

/** The 1-based line of `key` inside `[section]` of a TOML text, if it can be found. */
export function lineOf(text: string, section: string, key?: string): number | undefined {
  const lines = text.split("\n");
  let current = "";
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? "").trim();
    const header = /^\[([^\]]+)\]/.exec(line);
    if (header) {
      current = (header[1] ?? "").trim();
      if (!key && current === section) return i + 1;
      continue;
    }
    if (key && current === section && new RegExp(`^"?${key}"?\\s*=`).test(line)) return i + 1;
  }
  return undefined;
}

function describe(field: Field): string {
  if (field.choices) return `one of ${field.choices.map((c) => JSON.stringify(c)).join(", ")}`;
  if (field.type === "number") {
    const kind = field.integer ? "a whole number" : "a number";
    return field.min !== undefined && field.max !== undefined ? `${kind} from ${field.min} to ${field.max}` : kind;
  }
  if (field.type === "boolean") return "true or false";
  if (field.type === "table") return 'a table of names to strings, e.g. { FWD = "forward" }';
  if (field.type === "strings") return "a list of strings";
  return "a string";
}

/** Check one value against its field; returns a problem text or undefined. */
function checkValue(field: Field, value: unknown): string | undefined {
  switch (field.type) {
    case "number": {
      if (typeof value !== "number" || Number.isNaN(value)) return `expected ${describe(field)}, got ${JSON.stringify(value)}`;
      if (field.integer && !Number.isInteger(value)) return `expected ${describe(field)}, got ${value}`;
      if ((field.min !== undefined && value < field.min) || (field.max !== undefined && value > field.max))
        return `expected ${describe(field)}, got ${value}`;
      break;
    }
    case "boolean":
      if (typeof value !== "boolean") return `expected true or false, got ${JSON.stringify(value)}`;
      break;
    case "string":
      if (typeof value !== "string") return `expected a string in quotes, got ${JSON.stringify(value)}`;
      break;
    case "strings":
      if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) return `expected ${describe(field)}`;
      break;
    case "table":
      if (typeof value !== "object" || value === null || Array.isArray(value) || Object.values(value).some((v) => typeof v !== "string"))
        return `expected ${describe(field)}`;
      break;
  }
  if (field.choices && !field.choices.includes(value as string | number)) return `expected ${describe(field)}, got ${JSON.stringify(value)}`;
  return undefined;
}

/** Validate a parsed layer against the schema. Collects every problem, then throws one ConfigError. */
export function validateLayer(raw: unknown, source: LayerSource): Layer {
  const problems: Problem[] = [];
  const layer: Layer = {};
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new ConfigError(`${source.name}: the config must be a table of sections`, "see `letsrobot init` for a starter file");
  }
  for (const [section, body] of Object.entries(raw)) {
    if (!sectionNames.includes(section)) {
      const guess = closest(section, sectionNames);
      problems.push({
        key: section,
        message: "unknown section",
        fix: guess ? `did you mean [${guess}]?` : `sections are ${sectionNames.map((s) => `[${s}]`).join(" ")}`,
        line: source.text ? lineOf(source.text, section) : undefined,
      });
      continue;
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      problems.push({ key: section, message: "must be a section", fix: `write it as a [${section}] header`, line: undefined });
      continue;
    }
    const fields = (schema as Record<string, Section>)[section] ?? {};
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(body)) {
      const field = fields[key];
      const line = source.text ? lineOf(source.text, section, key) : undefined;
      if (!field) {
        const guess = closest(key, Object.keys(fields));
        problems.push({
          key: `${section}.${key}`,
          message: "unknown key",
          fix: guess ? `did you mean ${section}.${guess}?` : `known keys: ${Object.keys(fields).join(", ")}`,
          line,
        });
        continue;
      }
      const problem = checkValue(field, value);
      if (problem) problems.push({ key: `${section}.${key}`, message: problem, fix: field.doc, line });
      else out[key] = value;
    }
    layer[section] = out;
  }
  if (problems.length > 0) throw configProblems(source.name, problems);
  return layer;
}

function configProblems(sourceName: string, problems: Problem[]): ConfigError {
  const lines = problems.map((p) => `  ${sourceName}${p.line ? `:${p.line}` : ""}: ${p.key}: ${p.message}`);
  const hints = problems.map((p) => `${p.key}: ${p.fix}`);
  const noun = problems.length === 1 ? "problem" : "problems";
  return new ConfigError(`${problems.length} config ${noun}:\n${lines.join("\n")}`, hints.join("; "));
}

/** Parse a string from an env variable or flag into the field's type. */
export function parseText(field: Field, text: string): unknown {
  switch (field.type) {
    case "number": {
      // not a number: the text itself, so the error quotes what was typed ("abc", not null)
      const number = text.trim() === "" ? Number.NaN : Number(text);
      return Number.isNaN(number) ? text : number;
    }
    case "boolean":
      return ["1", "true", "yes", "on"].includes(text.toLowerCase())
        ? true
        : ["0", "false", "no", "off"].includes(text.toLowerCase())
          ? false
          : text;
    case "strings":
      return text.split(",").map((s) => s.trim()).filter(Boolean);
    case "table":
      return Object.fromEntries(
        text
          .split(",")
          .map((pair) => pair.split("=").map((s) => s.trim()))
          .filter((p) => p.length === 2),
      );
    default:
      return text;
  }
}

/** LETSROBOT_SECTION_KEY variables → a layer. Unknown LETSROBOT_* names are errors. */
export function envLayer(env: Record<string, string | undefined>): Layer {
  const raw: Record<string, Record<string, unknown>> = {};
  const problems: Problem[] = [];
  const ignored = new Set(["LETSROBOT_CONFIG", "LETSROBOT_LOG_LEVEL", ...ROOT_VARIABLES]);
  for (const [name, text] of Object.entries(env)) {
    if (!name.startsWith("LETSROBOT_") || ignored.has(name) || text === undefined) continue;
    const rest = name.slice("LETSROBOT_".length).toLowerCase();
    const section = sectionNames.find((s) => rest.startsWith(`${s}_`));
    const key = section ? rest.slice(section.length + 1) : undefined;
    const field = section && key ? fieldOf(section, key) : undefined;
    if (!section || !key || !field) {
      problems.push({ key: name, message: "unknown environment variable", fix: "names are LETSROBOT_<SECTION>_<KEY>, e.g. LETSROBOT_VIDEO_FPS" });
      continue;
    }
    raw[section] ??= {};
    raw[section][key] = parseText(field, text);
  }
  if (problems.length > 0) throw configProblems("environment", problems);
  return validateLayer(raw, { name: "environment" });
}

/** Flags given as "section.key" → text; parsed and validated like the environment. */
export function flagLayer(flags: Record<string, string | undefined>): Layer {
  const raw: Record<string, Record<string, unknown>> = {};
  for (const [path, text] of Object.entries(flags)) {
    if (text === undefined) continue;
    const [section = "", key = ""] = path.split(".");
    const field = fieldOf(section, key);
    if (!field) throw new Error(`flag maps to unknown config key ${path}`);
    raw[section] ??= {};
    raw[section][key] = parseText(field, text);
  }
  return validateLayer(raw, { name: "command line" });
}

/** Later layers win. */
export function merge(base: Config, ...layers: Layer[]): Config {
  const out = structuredClone(base) as unknown as Layer;
  for (const layer of layers) {
    for (const [section, values] of Object.entries(layer)) {
      out[section] = { ...out[section], ...values };
    }
  }
  return out as unknown as Config;
}
