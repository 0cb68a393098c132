import { createAdapter } from "@socket.io/redis-adapter";
import { Redis } from "ioredis";
import { NetworkError } from "../../errors.ts";
import type { Logger } from "../../log.ts";

/**
 * The adapter for `ioredis` and `@socket.io/redis-adapter`: the one link a `serve` process keeps to the
 * Redis its peers share. Three connections: the socket.io adapter's publisher and subscriber (rooms and
 * emits across processes), and our own subscriber for the cluster channel (presence, chat log, relay).
 * The URL may carry a password: it is never logged, only host and port are.
 */
export type SocketAdapterFactory = ReturnType<typeof createAdapter>;

export interface RedisLink {
  /** For socket.io's `adapter` option: every `io.to(room).emit` reaches the room's sockets on every process. */
  readonly socketAdapter: SocketAdapterFactory;
  /** `host:port`, safe to log. */
  readonly where: string;
  /** Publish on a channel; resolves with how many subscribers got it (0 when Redis is unreachable). */
  publish(channel: string, message: string | Buffer): Promise<number>;
  subscribe(channel: string, handler: (message: Buffer) => void): Promise<void>;
  unsubscribe(channel: string): Promise<void>;
  /** Hold `key` for `ttlMs` as `owner`: take it when free, renew it when ours; false when another holds it (or Redis is away). */
  lease(key: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Give `key` up if `owner` holds it. */
  release(key: string, owner: string): Promise<void>;
  /** Publishes sent but not yet answered: a bound for what a slow or lost Redis may hold for us. */
  pending(): number;
  close(): Promise<void>;
}

const leaseScript = `local v = redis.call("get", KEYS[1])
if v == false then redis.call("set", KEYS[1], ARGV[1], "PX", ARGV[2]) return 1 end
if v == ARGV[1] then redis.call("pexpire", KEYS[1], ARGV[2]) return 1 end
return 0`;
const releaseScript = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) end
return 0`;

function whereOf(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || "6379"}`;
  } catch {
    return "(unparsable URL)";
  }
}

/** Connect to Redis (redis://[user:password@]host:port[/db]); throws NetworkError when it cannot be reached. */
export async function connectRedis(url: string, log: Logger): Promise<RedisLink> {
  const where = whereOf(url);
  const options = { lazyConnect: true, connectTimeout: 3000, retryStrategy: (times: number) => Math.min(times * 100, 2000) };
  let pub: Redis;
  try {
    pub = new Redis(url, options);
  } catch (error) {
    throw new NetworkError(`server.redis_url is not a Redis URL`, "use redis://host:port (e.g. redis://127.0.0.1:6379)", { cause: error });
  }
  const clients = [pub, pub.duplicate(), pub.duplicate()] as const;
  // while Redis is away, publishes wait for a few reconnect attempts, then fail instead of piling up; the
  // socket.io adapter publishes without awaiting, so a failed publish must not become an unhandled rejection
  pub.options.maxRetriesPerRequest = 2;
  const rawPublish = pub.publish.bind(pub);
  pub.publish = ((channel: string, message: string | Buffer) => rawPublish(channel, message).catch(() => 0)) as unknown as typeof pub.publish;
  const [, adapterSub, sub] = clients;
  let up = true;
  for (const client of clients) {
    client.on("error", (error: Error) => {
      if (!up) return;
      up = false;
      log.warn(`lost Redis at ${where} (${error.message}); other serve processes cannot reach robots here until it is back`);
    });
    client.on("ready", () => {
      if (up) return;
      up = true;
      log.info(`Redis at ${where} is back`);
    });
  }
  try {
    await Promise.all(clients.map((c) => c.connect()));
  } catch (error) {
    for (const c of clients) c.disconnect();
    throw new NetworkError(`cannot reach Redis at ${where}: ${(error as Error).message}`, "start redis-server, or check server.redis_url (empty = one process without Redis)", { cause: error });
  }
  const handlers = new Map<string, (message: Buffer) => void>();
  sub.on("messageBuffer", (channel: Buffer, message: Buffer) => {
    // a handler's bug (or a stranger's message on our channel) must not throw inside the Redis client
    try {
      handlers.get(channel.toString())?.(message);
    } catch (error) {
      log.warn(`ignored a message on ${channel.toString()}: ${(error as Error).message}`);
    }
  });
  let inFlight = 0;
  return {
    socketAdapter: createAdapter(pub, adapterSub, { key: "letsrobot.io" }),
    where,
    async publish(channel, message) {
      inFlight += 1;
      try {
        return await pub.publish(channel, message);
      } catch {
        return 0;
      } finally {
        inFlight -= 1;
      }
    },
    async subscribe(channel, handler) {
      handlers.set(channel, handler);
      await sub.subscribe(channel);
    },
    async unsubscribe(channel) {
      handlers.delete(channel);
      await sub.unsubscribe(channel);
    },
    async lease(key, owner, ttlMs) {
      try {
        return (await pub.eval(leaseScript, 1, key, owner, String(ttlMs))) === 1;
      } catch {
        return false;
      }
    },
    async release(key, owner) {
      await pub.eval(releaseScript, 1, key, owner).catch(() => undefined);
    },
    pending: () => inFlight,
    async close() {
      up = false;
      await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
    },
  };
}
