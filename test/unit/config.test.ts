import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfigText, resolveConfig } from "../../lib/config/load.ts";
import { defaults, secretsOf } from "../../lib/config/schema.ts";
import { configTemplate } from "../../lib/config/template.ts";
import { envLayer, lineOf, merge, parseText, validateLayer } from "../../lib/config/validate.ts";
import { ConfigError } from "../../lib/errors.ts";

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

function dirWith(text?: string): string {
  const dir = mkdtempSync(join(tmpdir(), "letsrobot-config-"));
  if (text !== undefined) writeFileSync(join(dir, "letsrobot.toml"), text);
  return dir;
}

describe("precedence: flags > env > file > defaults", () => {
  const cases: [string, string | undefined, string | undefined, string | undefined, number][] = [
    // name, file fps, env fps, flag fps, expected
    ["defaults only", undefined, undefined, undefined, 30],
    ["file beats default", "20", undefined, undefined, 20],
    ["env beats file", "20", "15", undefined, 15],
    ["flag beats env", "20", "15", "10", 10],
    ["flag beats default", undefined, undefined, "12", 12],
  ];
  for (const [name, file, env, flag, expected] of cases) {
    test(name, () => {
      const cwd = dirWith(file ? `[video]\nfps = ${file}\n` : undefined);
      const { config } = resolveConfig({
        cwd,
        env: { HOME: cwd, ...(env ? { LETSROBOT_VIDEO_FPS: env } : {}) },
        flags: { "video.fps": flag },
      });
      expect(config.video.fps).toBe(expected);
    });
  }

  test("--config naming a folder says so and names the file to give instead", () => {
    const cwd = dirWith(undefined);
    const error = errorOf(() => resolveConfig({ cwd, env: { HOME: cwd }, path: cwd }));
    expect(error.message).toBe(`cannot read config file ${cwd} (EISDIR)`);
    expect(error.hint).toBe(`it is a folder: name the file in it, e.g. --config ${join(cwd, "letsrobot.toml")}`);
  });

  test("untouched keys keep their defaults when a section is partly set", () => {
    const merged = merge(defaults(), { video: { fps: 5 } });
    expect(merged.video.width).toBe(640);
    expect(merged.audio.rate).toBe(44100);
  });
});

describe("validation errors name the key, the file line and the fix", () => {
  const cases: [string, string, RegExp, number | undefined][] = [
    ["unknown key with suggestion", "[video]\nfsp = 30\n", /video\.fsp: unknown key/, 2],
    ["unknown section", "[vidoe]\nfps = 30\n", /vidoe: unknown section/, 1],
    ["wrong type", "[video]\nwidth = 640\nfps = \"fast\"\n", /video\.fps: expected a whole number from 1 to 60/, 3],
    ["out of range", "[video]\nfps = 500\n", /video\.fps: expected a whole number from 1 to 60, got 500/, 2],
    ["not a choice", "[hardware]\ndriver = \"lego\"\n", /hardware\.driver: expected one of "sim", "firmata", "serial", "none"/, 2],
    ["boolean as string", "[tts]\nenabled = \"yes\"\n", /tts\.enabled: expected true or false/, 2],
  ];
  for (const [name, text, pattern, line] of cases) {
    test(name, () => {
      const error = errorOf(() => parseConfigText(text, "robot.toml"));
      expect(error.message).toMatch(pattern);
      if (line) expect(error.message).toContain(`robot.toml:${line}:`);
      expect(error.exitCode).toBe(10);
      expect(error.hint?.length).toBeGreaterThan(5);
    });
  }

  test("a typo gets a did-you-mean hint", () => {
    expect(errorOf(() => parseConfigText("[video]\nfsp = 30\n", "x.toml")).hint).toContain("did you mean video.fps?");
  });

  test("every problem is reported at once", () => {
    const error = errorOf(() => parseConfigText("[video]\nfps = 0\nwidht = 3\n", "x.toml"));
    expect(error.message).toMatch(/^2 config problems/);
  });

  test("TOML syntax errors give line and column", () => {
    const error = errorOf(() => parseConfigText("[video]\nfps = 30\nwidth = \n", "bad.toml"));
    expect(error.message).toMatch(/^bad\.toml:3:\d+: /);
  });

  test("a missing --config file is a config error with a hint", () => {
    const error = errorOf(() => resolveConfig({ cwd: dirWith(), env: {}, path: "nope.toml" }));
    expect(error.message).toContain("does not exist");
    expect(error.hint).toContain("letsrobot init");
  });
});

describe("environment variables", () => {
  const cases: [Record<string, string>, string, string, unknown][] = [
    [{ LETSROBOT_PLATFORM_ROBOT_ID: "42" }, "platform", "robot_id", "42"],
    [{ LETSROBOT_VIDEO_BITRATE_KBPS: "800" }, "video", "bitrate_kbps", 800],
    [{ LETSROBOT_TTS_ENABLED: "off" }, "tts", "enabled", false],
    [{ LETSROBOT_BEHAVIOUR_DEADMAN_MS: "300" }, "behaviour", "deadman_ms", 300],
  ];
  for (const [env, section, key, value] of cases) {
    test(`${Object.keys(env)[0]} → ${section}.${key}`, () => {
      expect(envLayer(env)[section]?.[key]).toEqual(value);
    });
  }
  test("unknown LETSROBOT_ variable is an error naming it", () => {
    expect(errorOf(() => envLayer({ LETSROBOT_VIDEO_FRAMERATE: "3" })).message).toContain("LETSROBOT_VIDEO_FRAMERATE");
  });
  test("bad number from env is an error quoting what was typed", () => {
    expect(errorOf(() => envLayer({ LETSROBOT_VIDEO_FPS: "abc" })).message).toContain('video.fps: expected a whole number from 1 to 60, got "abc"');
    expect(errorOf(() => envLayer({ LETSROBOT_VIDEO_FPS: " " })).message).toContain('video.fps: expected a whole number from 1 to 60, got " "');
  });
});

describe("pure helpers", () => {
  test.each([
    ["[a]\nx = 1\n[b]\nx = 2\n", "b", "x", 4],
    ["[a]\nx = 1\n", "a", undefined, 1],
    ["[a]\n  \"y\" = 1\n", "a", "y", 2],
    ["[a]\nx = 1\n", "b", "x", undefined],
  ])("lineOf(%#)", (text, section, key, line) => {
    expect(lineOf(text as string, section as string, key as string | undefined)).toBe(line as number | undefined);
  });
  test("parseText table", () => {
    expect(parseText({ type: "table", default: {}, doc: "" }, "FWD=forward, BK = back")).toEqual({ FWD: "forward", BK: "back" });
  });
  test("validateLayer rejects non-table", () => {
    expect(() => validateLayer(3, { name: "x" })).toThrow(ConfigError);
  });
  test("secretsOf finds the stream key", () => {
    const config = merge(defaults(), { platform: { stream_key: "s3cret-key" } });
    expect(secretsOf(config)).toEqual(["s3cret-key"]);
  });
});

describe("init template", () => {
  test("parses back to exactly the defaults plus given values", () => {
    const layer = parseConfigText(configTemplate({ platform: { robot_id: "77" } }), "template.toml");
    expect(merge(defaults(), layer)).toEqual(merge(defaults(), { platform: { robot_id: "77" } }));
  });
  test("documents every section", () => {
    const text = configTemplate();
    for (const section of Object.keys(defaults())) expect(text).toContain(`[${section}]`);
  });
});
