/**
 * The usage ledger the instances share (docs/scale-out.md#usage-counts, the `SharedUsage` port of
 * src/vault/usage-tracker.ts): every instance's counts of an owner add up in Redis, and reach
 * Keycloak at most once per persist interval, written by one instance. Per owner (`<o>` its owner key):
 *
 * - `usage:<o>`: a hash of the counts still counting: `u:<provider>:<keyId>:n` uses (HINCRBY),
 *   `…:t` last use (the later one kept), `d:<provider>:<keyId>:<date>:r|i|o` requests and tokens of a day;
 * - `usage-staged:<o>`: the same, set apart for one write, with its batch id (`_batch`);
 * - `usage-claim:<o>`: who is writing it (SET NX PX, so two instances do not both write);
 * - `usage-due`: a sorted set of owners by when their counts are due in Keycloak.
 *
 * Guards, each a Lua script so that no step is half done:
 * - a hand-over adds a whole chunk of owners or nothing, once per id (`usage-handover:<id>`, kept a
 *   day): a hand-over retried after a lost answer adds nothing twice;
 * - an owner enters `usage-due` with its first count (one interval ahead) and keeps its time however
 *   many counts follow, so it is written at most once per interval;
 * - claiming moves the counts to the staged hash (RENAME: counts arriving meanwhile start a new hash)
 *   and makes the owner due again one flush interval later: a write that fails, or an instance that
 *   dies while writing, leaves the staged batch to the next claim (by any instance), which sends it
 *   with the same id, so Keycloak never adds it twice (docs/resolution.md#caching-and-usage);
 * - settling drops only that batch, and keeps the owner due (one interval ahead) if counts came meanwhile.
 * Every owner with counts or a staged batch is in `usage-due`, so nothing is left behind unwritten.
 */
import { randomUUID } from 'node:crypto';
import { ownerKey, parseOwnerKey, type OwnerRef } from '../vault/ports.js';
import type { ProviderId } from '../providers/registry.js';
import { addDayOf, addUse, emptyCounts, type OwnerCounts } from '../vault/usage-counts.js';
import type { LedgerParts, SharedUsage } from '../vault/usage-tracker.js';
import type { RedisLink } from './redis-link.js';

const ADD_SCRIPT = `
if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then return 0 end
local a = 3
for k = 3, #KEYS do
  local owner, n = ARGV[a], tonumber(ARGV[a + 1])
  a = a + 2
  for i = 1, n do
    local field, value = ARGV[a], ARGV[a + 1]
    a = a + 2
    if string.sub(field, -2) == ':t' then
      if tonumber(value) > tonumber(redis.call('HGET', KEYS[k], field) or '0') then redis.call('HSET', KEYS[k], field, value) end
    else
      redis.call('HINCRBY', KEYS[k], field, value)
    end
  end
  redis.call('ZADD', KEYS[2], 'NX', ARGV[2], owner)
end
return 1`;

const CLAIM_SCRIPT = `
if not redis.call('SET', KEYS[4], ARGV[4], 'NX', 'PX', ARGV[5]) then return false end
if redis.call('EXISTS', KEYS[2]) == 0 then
  if redis.call('EXISTS', KEYS[1]) == 0 then
    redis.call('ZREM', KEYS[3], ARGV[1])
    redis.call('DEL', KEYS[4])
    return false
  end
  redis.call('RENAME', KEYS[1], KEYS[2])
  redis.call('HSET', KEYS[2], '_batch', ARGV[2])
end
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
return redis.call('HGETALL', KEYS[2])`;

const SETTLE_SCRIPT = `
if redis.call('HGET', KEYS[2], '_batch') == ARGV[2] then redis.call('DEL', KEYS[2]) end
if redis.call('EXISTS', KEYS[2]) == 1 or redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
else
  redis.call('ZREM', KEYS[3], ARGV[1])
end
if redis.call('GET', KEYS[4]) == ARGV[4] then redis.call('DEL', KEYS[4]) end
return 1`;

const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** A hand-over's id is remembered this long (a retry later than this would add its counts again). */
const HANDOVER_MEMORY_MS = 24 * 3600 * 1000;
/** A claim ends by itself after this (an instance that died while writing); the staged batch is then claimed again. */
const CLAIM_MS = 60_000;
/** Owners read per round trip by `readAll`. */
const READ_CHUNK = 500;

/** Counts as hash fields and values (pure; fields of zero are left out). */
export function toFields(counts: OwnerCounts): Array<[string, string]> {
  const fields: Array<[string, string]> = [];
  for (const [provider, byKey] of counts.usage) {
    for (const [keyId, used] of byKey) fields.push([`u:${provider}:${keyId}:n`, String(used.uses)], [`u:${provider}:${keyId}:t`, String(Math.round(used.lastUsedAt))]);
  }
  for (const [provider, byKey] of counts.daily) {
    for (const [keyId, days] of byKey) {
      for (const [date, day] of days) {
        const base = `d:${provider}:${keyId}:${date}`;
        if (day.requests > 0) fields.push([`${base}:r`, String(day.requests)]);
        if (day.inputTokens > 0) fields.push([`${base}:i`, String(day.inputTokens)]);
        if (day.outputTokens > 0) fields.push([`${base}:o`, String(day.outputTokens)]);
      }
    }
  }
  return fields;
}

/** A hash back into counts, and the batch id it carries (pure; fields it does not know are skipped). */
export function fromFields(hash: Readonly<Record<string, string>>): { counts: OwnerCounts; batchId: string | undefined } {
  const counts = emptyCounts();
  const uses = new Map<string, { uses: number; lastUsedAt: number }>();
  for (const [field, raw] of Object.entries(hash)) {
    const value = Number(raw);
    if (!Number.isSafeInteger(value) || value < 0) continue;
    const parts = field.split(':');
    if (parts[0] === 'u' && parts.length === 4) {
      const key = `${parts[1]}:${parts[2]}`;
      const entry = uses.get(key) ?? { uses: 0, lastUsedAt: 0 };
      if (parts[3] === 'n') entry.uses = value;
      else if (parts[3] === 't') entry.lastUsedAt = value;
      else continue;
      uses.set(key, entry);
    } else if (parts[0] === 'd' && parts.length === 5) {
      const figure = ({ r: 'requests', i: 'inputTokens', o: 'outputTokens' } as const)[parts[4] as 'r' | 'i' | 'o'];
      if (!figure) continue;
      addDayOf(counts.daily, parts[1] as ProviderId, parts[2] as string, parts[3] as string, { requests: 0, inputTokens: 0, outputTokens: 0, [figure]: value });
    }
  }
  for (const [key, used] of uses) {
    const [provider, keyId] = key.split(':') as [ProviderId, string];
    if (used.uses > 0) addUse(counts.usage, provider, keyId, used);
  }
  return { counts, batchId: hash._batch };
}

const isEmptyHash = (hash: Record<string, string> | undefined) => !hash || Object.keys(hash).length === 0;

export function createRedisUsage(link: RedisLink): SharedUsage {
  const { client, prefix } = link;
  const liveKey = (key: string) => `${prefix}usage:${key}`;
  const stagedKey = (key: string) => `${prefix}usage-staged:${key}`;
  const claimKey = (key: string) => `${prefix}usage-claim:${key}`;
  const dueKey = `${prefix}usage-due`;
  /** This instance's claim tokens, by owner key (only the holder ends a claim). */
  const claims = new Map<string, string>();

  const partsOf = (live: Record<string, string> | undefined, staged: Record<string, string> | undefined): LedgerParts => {
    const parts: LedgerParts = {};
    if (!isEmptyHash(live)) parts.live = fromFields(live as Record<string, string>).counts;
    if (!isEmptyHash(staged)) {
      const { counts, batchId } = fromFields(staged as Record<string, string>);
      parts.staged = { id: batchId ?? '', counts };
    }
    return parts;
  };

  /** Runs a command; a failure marks Redis unavailable for a moment (redis-link.ts) and is thrown. */
  async function run<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      link.failed(error);
      throw error;
    }
  }

  return {
    available: () => link.available(),

    async add(handoverId, owners, dueAt) {
      if (owners.length === 0) return;
      const keys = [`${prefix}usage-handover:${handoverId}`, dueKey];
      const args: Array<string | number> = [HANDOVER_MEMORY_MS, dueAt];
      for (const { owner, counts } of owners) {
        const key = ownerKey(owner);
        const fields = toFields(counts);
        keys.push(liveKey(key));
        args.push(key, fields.length, ...fields.flat());
      }
      await run(() => client.eval(ADD_SCRIPT, keys.length, ...keys, ...args));
    },

    async due(now, all, limit) {
      const keys = await run(() => client.zrangebyscore(dueKey, '-inf', all ? '+inf' : now, 'LIMIT', 0, limit));
      return keys.map(parseOwnerKey);
    },

    async claim(owner, batchId, retryAt) {
      const key = ownerKey(owner);
      const token = randomUUID();
      const reply = (await run(() => client.eval(CLAIM_SCRIPT, 4, liveKey(key), stagedKey(key), dueKey, claimKey(key), key, batchId, retryAt, token, CLAIM_MS))) as string[] | null;
      if (!reply) return undefined;
      claims.set(key, token);
      const hash: Record<string, string> = {};
      for (let i = 0; i + 1 < reply.length; i += 2) hash[reply[i] as string] = reply[i + 1] as string;
      const { counts, batchId: id } = fromFields(hash);
      return { id: id ?? batchId, counts };
    },

    async settle(owner, batchId, nextDueAt) {
      const key = ownerKey(owner);
      const token = claims.get(key) ?? '';
      claims.delete(key);
      await run(() => client.eval(SETTLE_SCRIPT, 4, liveKey(key), stagedKey(key), dueKey, claimKey(key), key, batchId, nextDueAt, token));
    },

    async release(owner) {
      const key = ownerKey(owner);
      const token = claims.get(key);
      claims.delete(key);
      if (token) await run(() => client.eval(RELEASE_SCRIPT, 1, claimKey(key), token));
    },

    async read(owner) {
      const key = ownerKey(owner);
      const replies = await run(() => client.pipeline().hgetall(liveKey(key)).hgetall(stagedKey(key)).exec());
      const [live, staged] = (replies ?? []).map(([error, value]) => {
        if (error) throw error;
        return value as Record<string, string>;
      });
      return partsOf(live, staged);
    },

    async readAll() {
      const all = new Map<string, LedgerParts>();
      const keys = await run(() => client.zrange(dueKey, 0, -1));
      for (let start = 0; start < keys.length; start += READ_CHUNK) {
        const chunk = keys.slice(start, start + READ_CHUNK);
        const pipeline = client.pipeline();
        for (const key of chunk) pipeline.hgetall(liveKey(key)).hgetall(stagedKey(key));
        const replies = (await run(() => pipeline.exec())) ?? [];
        chunk.forEach((key, index) => {
          const [liveReply, stagedReply] = [replies[2 * index], replies[2 * index + 1]];
          if (liveReply?.[0] || stagedReply?.[0]) return;
          all.set(key, partsOf(liveReply?.[1] as Record<string, string>, stagedReply?.[1] as Record<string, string>));
        });
      }
      return all;
    },
  };
}
