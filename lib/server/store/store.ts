/**
 * The store part (lib/server/store/): what the platform keeps on disk. It owns the SQLite database (this
 * file), what a robot is (robot-record.ts: settings, buttons, validation), secrets and ids (credentials.ts:
 * only hashes are stored), what a database failure means to a user (errors.ts) and when to ask whether
 * another process changed it (write-watch.ts).
 */
import { Database } from "bun:sqlite";
import { chmodSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "../../errors.ts";
import { busyTimeoutMs, storeError } from "./errors.ts";
import { hashSecret, newNumericId, newSecret } from "./credentials.ts";
import { type ButtonDef, defaultButtons, defaultSettings, type RobotRecord, type RobotSettings } from "./robot-record.ts";
import { perTurn } from "../turn.ts";
import { changeWindow, type WatchWrites } from "./write-watch.ts";

/** Plain-text secrets of a robot, returned once when it is created or re-keyed. */
export interface RobotSecrets {
  streamKey: string;
  robotKey: string;
  ownerToken: string;
}

/**
 * The platform's database (bun:sqlite in `{dataDir}/platform.db`): robots, owners, hashed secrets,
 * settings and button layouts. Robots are cached in memory; every write goes through to disk.
 */
export interface Store {
  robots(): RobotRecord[];
  robot(id: string): RobotRecord | undefined;
  robotByName(name: string): RobotRecord | undefined;
  robotByCamera(cameraId: string): RobotRecord | undefined;
  robotByStreamKey(streamKey: string): RobotRecord | undefined;
  robotKeyMatches(robotId: string, robotKey: string): boolean;
  /** The owner a token belongs to. */
  ownerByToken(token: string): string | undefined;
  isOwner(name: string): boolean;
  /** On some owner's moderator list (robots trust these names for moderation). */
  isModerator(name: string): boolean;
  moderators(owner: string): string[] | undefined;
  setModerators(owner: string, names: string[]): void;
  /**
   * Create a robot, or give an existing one (by name) new keys; the owner's token is renewed too. With
   * `secrets`, those keys are used instead of fresh ones, and a robot that already has them is kept as it
   * is, without writing to the database.
   */
  ensureRobot(input: { name: string; owner: string; requireKey?: boolean; secrets?: RobotSecrets }): { robot: RobotRecord; secrets: RobotSecrets; change: "created" | "re-keyed" | "kept" };
  updateRobot(id: string, patch: { settings?: RobotSettings; buttons?: ButtonDef[]; requireKey?: boolean }): RobotRecord;
  close(): void;
}

const schemaSql = `
CREATE TABLE IF NOT EXISTS owners (name TEXT PRIMARY KEY, token_hash TEXT NOT NULL, moderators TEXT NOT NULL DEFAULT '[]');
CREATE TABLE IF NOT EXISTS robots (
  id TEXT PRIMARY KEY, camera_id TEXT NOT NULL UNIQUE, name TEXT NOT NULL UNIQUE, owner TEXT NOT NULL REFERENCES owners(name),
  stream_key_hash TEXT NOT NULL UNIQUE, robot_key_hash TEXT NOT NULL, require_key INTEGER NOT NULL DEFAULT 0,
  settings TEXT NOT NULL, buttons TEXT NOT NULL, created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS owners_token ON owners(token_hash);
`;

interface RobotRow {
  id: string;
  camera_id: string;
  name: string;
  owner: string;
  stream_key_hash: string;
  robot_key_hash: string;
  require_key: number;
  settings: string;
  buttons: string;
  created_at: number;
}

function toRecord(row: RobotRow): RobotRecord {
  return {
    id: row.id,
    cameraId: row.camera_id,
    name: row.name,
    owner: row.owner,
    requireKey: row.require_key === 1,
    settings: { ...defaultSettings, ...(JSON.parse(row.settings) as Partial<RobotSettings>) },
    buttons: JSON.parse(row.buttons) as ButtonDef[],
    createdAt: row.created_at,
  };
}

/**
 * Open the database and check it. A full disk can leave no room for the shared-memory index that lets several
 * processes use one database: then this process opens it alone (reads work; writes fail with a clear error).
 */
function openDatabase(file: string): Database {
  const attempt = (alone: boolean) => {
    const db = new Database(file, { create: true, strict: true });
    try {
      db.exec(`PRAGMA busy_timeout = ${busyTimeoutMs};${alone ? " PRAGMA locking_mode = EXCLUSIVE;" : ""} PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;`);
      const check = db.query<{ quick_check: string }, []>("PRAGMA quick_check").all();
      if (check[0]?.quick_check !== "ok") throw Object.assign(new Error(check.map((row) => row.quick_check).join("; ")), { code: "SQLITE_CORRUPT" });
      db.exec(schemaSql);
      return db;
    } catch (error) {
      db.close();
      throw error;
    }
  };
  try {
    return attempt(false);
  } catch (error) {
    if ((error as { code?: string }).code !== "SQLITE_IOERR_SHMSIZE") throw storeError(file, error);
  }
  try {
    return attempt(true);
  } catch (error) {
    throw storeError(file, error);
  }
}

/** `watch`: how writes to the data directory are seen (tests pass one that sees none). */
export function openStore(dataDir: string, options: { watch?: WatchWrites } = {}): Store {
  const file = join(dataDir, "platform.db");
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    new Database(file, { create: true }).close();
    chmodSync(file, 0o600);
  } catch (error) {
    throw new ConfigError(`cannot open the platform database in ${dataDir}: ${(error as Error).message}`, "pass --data-dir with a writable directory (or set server.data_dir)", { cause: error });
  }
  const db = openDatabase(file);
  /** Store errors as LetsrobotErrors naming the file (full disk, damage, a lock held too long). */
  const guarded = <T>(run: () => T): T => {
    try {
      return run();
    } catch (error) {
      throw storeError(file, error);
    }
  };

  const rows = new Map<string, RobotRow>();
  const records = new Map<string, RobotRecord>();
  const version = db.query<{ data_version: number }, []>("PRAGMA data_version");
  let seen = -1;
  const load = () => {
    rows.clear();
    records.clear();
    for (const row of db.query<RobotRow, []>("SELECT * FROM robots").all()) rows.set(row.id, row);
    seen = version.get()?.data_version ?? -1;
  };
  /** The database's change counter: asked once per turn of the event loop, not per lookup (lib/server/turn.ts). */
  const dataVersion = perTurn(() => guarded(() => version.get()?.data_version ?? -1));
  const written = changeWindow(dataDir, options.watch);
  /** Pick up robots another process added or changed (`letsrobot serve robot add` while `serve` runs). */
  const fresh = () => {
    if (written.open() && dataVersion() !== seen) guarded(load);
    return rows;
  };
  guarded(load);
  const record = (row: RobotRow | undefined) => {
    if (!row) return undefined;
    let r = records.get(row.id);
    if (!r) records.set(row.id, (r = toRecord(row)));
    return r;
  };
  /** The robot already has these keys and its owner this token. */
  const hasSecrets = (row: RobotRow, owner: string, secrets: RobotSecrets) =>
    row.owner === owner &&
    row.robot_key_hash === hashSecret(secrets.robotKey) &&
    row.stream_key_hash === hashSecret(secrets.streamKey) &&
    db.query<{ token_hash: string }, [string]>("SELECT token_hash FROM owners WHERE name = ?").get(owner)?.token_hash === hashSecret(secrets.ownerToken);
  const find = (test: (row: RobotRow) => boolean) => record([...fresh().values()].find(test));
  const freshId = (taken: (id: string) => boolean) => {
    for (;;) {
      const id = newNumericId();
      if (!taken(id)) return id;
    }
  };

  return {
    robots: () => [...fresh().values()].map((r) => record(r) as RobotRecord),
    robot: (id) => record(fresh().get(id)),
    robotByName: (name) => find((r) => r.name.toLowerCase() === name.toLowerCase()),
    robotByCamera: (cameraId) => find((r) => r.camera_id === cameraId),
    robotByStreamKey: (key) => {
      const hash = hashSecret(key);
      return find((r) => r.stream_key_hash === hash);
    },
    robotKeyMatches: (robotId, key) => fresh().get(robotId)?.robot_key_hash === hashSecret(key),
    ownerByToken: (token) => db.query<{ name: string }, [string]>("SELECT name FROM owners WHERE token_hash = ?").get(hashSecret(token))?.name,
    isOwner: (name) => db.query("SELECT 1 FROM owners WHERE lower(name) = lower(?)").get(name) !== null,
    isModerator: (name) =>
      db
        .query<{ moderators: string }, []>("SELECT moderators FROM owners")
        .all()
        .some((row) => (JSON.parse(row.moderators) as string[]).some((m) => m.toLowerCase() === name.toLowerCase())),
    moderators: (owner) => {
      const row = db.query<{ moderators: string }, [string]>("SELECT moderators FROM owners WHERE name = ?").get(owner);
      return row ? (JSON.parse(row.moderators) as string[]) : undefined;
    },
    setModerators: (owner, names) => {
      guarded(() => db.query("UPDATE owners SET moderators = ? WHERE name = ?").run(JSON.stringify(names), owner));
    },
    ensureRobot(input) {
      const secrets: RobotSecrets = input.secrets ?? { streamKey: newSecret(), robotKey: newSecret(), ownerToken: newSecret() };
      const named = () => [...rows.values()].find((r) => r.name.toLowerCase() === input.name.toLowerCase());
      const current = (fresh(), named());
      if (current && input.secrets && hasSecrets(current, input.owner, secrets) && (input.requireKey === undefined || Number(input.requireKey) === current.require_key)) {
        return { robot: record(current) as RobotRecord, secrets, change: "kept" };
      }
      // immediate: take the write lock before reading, so a robot another process adds meanwhile is seen
      const write = db.transaction(() => {
        load();
        const existing = named();
        db.query("INSERT INTO owners (name, token_hash) VALUES (?1, ?2) ON CONFLICT(name) DO UPDATE SET token_hash = ?2").run(input.owner, hashSecret(secrets.ownerToken));
        if (existing) {
          db.query("UPDATE robots SET owner = ?, stream_key_hash = ?, robot_key_hash = ?, require_key = ? WHERE id = ?").run(
            input.owner,
            hashSecret(secrets.streamKey),
            hashSecret(secrets.robotKey),
            input.requireKey === undefined ? existing.require_key : Number(input.requireKey),
            existing.id,
          );
          return { id: existing.id, change: "re-keyed" as const };
        }
        const id = freshId((x) => rows.has(x) || [...rows.values()].some((r) => r.camera_id === x));
        const cameraId = freshId((x) => x === id || rows.has(x) || [...rows.values()].some((r) => r.camera_id === x));
        db.query("INSERT INTO robots VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)").run(
          id,
          cameraId,
          input.name,
          input.owner,
          hashSecret(secrets.streamKey),
          hashSecret(secrets.robotKey),
          Number(input.requireKey ?? true),
          JSON.stringify(defaultSettings),
          JSON.stringify(defaultButtons),
          Date.now(),
        );
        return { id, change: "created" as const };
      });
      const { id, change } = guarded(() => write.immediate());
      guarded(load);
      return { robot: record(rows.get(id)) as RobotRecord, secrets, change };
    },
    updateRobot(id, patch) {
      const current = record(rows.get(id));
      if (!current) throw new Error(`unknown robot ${id}`);
      guarded(() =>
        db
          .query("UPDATE robots SET settings = ?, buttons = ?, require_key = ? WHERE id = ?")
          .run(JSON.stringify(patch.settings ?? current.settings), JSON.stringify(patch.buttons ?? current.buttons), Number(patch.requireKey ?? current.requireKey), id),
      );
      guarded(load);
      return record(rows.get(id)) as RobotRecord;
    },
    close: () => {
      written.close();
      db.close();
    },
  };
}
