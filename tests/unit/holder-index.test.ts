/**
 * The holder index (src/vault/holders.ts, holder-index.ts; docs/storage.md#holder-index) over the
 * in-memory store: what counts as holding byok data, which walk is chosen, and what
 * `byok index-holders` writes and when it marks the index complete.
 */
import { holderIndexValue, parseHolderIndex } from '../../src/keycloak/holder-index-store.js';
import { createInProcessLocks } from '../../src/vault/in-process-locks.js';
import { createHolderIndexBuilder } from '../../src/vault/holder-index.js';
import { createOwnerWalks, holdsByokData } from '../../src/vault/holders.js';
import type { OwnerRef, StoredOwner } from '../../src/vault/ports.js';
import { DEFAULT_PREFERENCES } from '../../src/vault/ports.js';
import { createInMemoryStore } from '../support/in-memory-store.js';

const sealed = (keyId: string) => ({ keyId, envelope: `b1.1.${keyId}.iv.ct` });

function stored(parts: Partial<StoredOwner>): StoredOwner {
  return { owner: { kind: 'user', id: 'u' }, enabled: true, tier: 'starter', sealed: new Map(), preferences: DEFAULT_PREFERENCES, usage: new Map(), daily: new Map(), unreadable: [], revision: undefined, ...parts };
}

const legacyKey = { provider: 'openai', token: 'gAAAA-token', label: undefined, addedDate: undefined, lastTested: undefined, testStatus: undefined, endpoint: undefined, ambiguous: false };

describe('what counts as holding byok data', () => {
  test('keys, unreadable values and legacy keys do; usage, daily usage, preferences and the tier alone do not', () => {
    expect(holdsByokData(stored({ sealed: new Map([['openai', [sealed('k_a')]]]) }))).toBe(true);
    expect(holdsByokData(stored({ unreadable: [{ provider: 'openai', keyId: 'k_b', problem: 'broken chunk' }] }))).toBe(true);
    expect(holdsByokData(stored({ legacy: [legacyKey] }))).toBe(true);

    expect(holdsByokData(stored({ sealed: new Map([['openai', []]]) }))).toBe(false);
    expect(holdsByokData(stored({ usage: new Map([['openai', new Map([['k_a', { lastUsedAt: 1, uses: 2 }]])]]) }))).toBe(false);
    expect(holdsByokData(stored({ daily: new Map([['openai', new Map([['k_a', new Map([['2026-01-01', { requests: 1, inputTokens: 0, outputTokens: 0 }]])]])]]) }))).toBe(false);
    expect(holdsByokData(stored({ preferences: { strict: true }, tier: 'enterprise', legacy: [] }))).toBe(false);
  });
});

describe('the holder index value on the service account', () => {
  test('round-trips its time; another version or a malformed value is not a complete index', () => {
    const at = new Date('2026-12-01T07:30:00.123Z');
    expect(parseHolderIndex([holderIndexValue(at)])).toBe('2026-12-01T07:30:00.123Z');
    expect(parseHolderIndex([holderIndexValue(at, 2)])).toBeUndefined();
    expect(parseHolderIndex(['v1', 'yes', ''])).toBeUndefined();
    expect(parseHolderIndex(undefined)).toBeUndefined();
    expect(parseHolderIndex(['junk', holderIndexValue(at)])).toBe('2026-12-01T07:30:00.123Z');
  });
});

/** A store with keyed users and groups: some added by the service (marked), some written around it (not marked). */
async function world() {
  const memory = createInMemoryStore();
  const add = (owner: OwnerRef) => memory.addOwner(owner, owner.kind === 'user' ? 'starter' : undefined);
  const save = async (owner: OwnerRef, keyIds: string[]) => {
    const loaded = (await memory.store.load(owner)) as StoredOwner;
    await memory.store.save(loaded, { sealed: new Map([['openai', keyIds.map(sealed)]]) });
  };
  const marked: OwnerRef = { kind: 'user', id: 'marked' };
  const unmarked: OwnerRef = { kind: 'user', id: 'unmarked' };
  const stale: OwnerRef = { kind: 'user', id: 'stale' };
  const plain: OwnerRef = { kind: 'user', id: 'plain' };
  const team: OwnerRef = { kind: 'group', id: 'team' };
  for (const owner of [marked, unmarked, stale, plain, team]) add(owner);
  await save(marked, ['k_1']);
  memory.putSealed(unmarked, 'openai', [sealed('k_2')]); // keys from before the mark existed
  memory.putSealed(team, 'openai', [sealed('k_3')]);
  memory.setHolderMark(stale, true); // a mark left by a writer that removed the keys around the service
  const builder = (now = new Date('2026-12-01T08:00:00Z')) =>
    createHolderIndexBuilder({ scanner: memory.scanner, store: memory.store, locks: createInProcessLocks(), index: memory.holderIndex, now: () => now });
  return { memory, save, marked, unmarked, stale, plain, team, builder };
}

const ids = async (owners: AsyncIterable<StoredOwner> | readonly StoredOwner[]) => {
  const seen: string[] = [];
  for await (const owner of owners) seen.push(owner.owner.id);
  return seen.sort();
};

describe('the holder mark kept by every save', () => {
  test('appears with the first key and goes with the last', async () => {
    const { memory, save, plain } = await world();
    expect((await memory.store.load(plain))?.holderMark).toBe(false);
    await save(plain, ['k_a']);
    expect((await memory.store.load(plain))?.holderMark).toBe(true);
    await save(plain, ['k_a', 'k_b']);
    await save(plain, ['k_b']);
    expect((await memory.store.load(plain))?.holderMark).toBe(true);
    await save(plain, []);
    expect((await memory.store.load(plain))?.holderMark).toBe(false);
  });
});

describe('realm walks', () => {
  test('visit every owner until the index is complete (and say so each time), then the marked holders only', async () => {
    const { memory, builder } = await world();
    let told = 0;
    const walks = createOwnerWalks({ scanner: memory.scanner, index: memory.holderIndex, onEveryOwner: () => (told += 1) });

    const before = await walks.open();
    expect(before).toMatchObject({ scope: 'every-owner', indexedAt: undefined, usersTotal: 4 });
    expect(await ids(before.users())).toEqual(['marked', 'plain', 'stale', 'unmarked']);
    expect(await ids(before.groups)).toEqual(['team']);
    expect(told).toBe(1);

    await builder().run({ dryRun: false, concurrency: 2 });
    const after = await walks.open();
    expect(after).toMatchObject({ scope: 'holders', indexedAt: '2026-12-01T08:00:00.000Z', usersTotal: 2 });
    expect(await ids(after.users())).toEqual(['marked', 'unmarked']);
    expect(await ids(after.groups)).toEqual(['team']);
    expect(told).toBe(1);
    expect((await walks.open({ groups: false })).groups).toEqual([]);
  });
});

describe('byok index-holders', () => {
  test('marks unmarked holders, unmarks stale marks, writes nothing else, and marks the index complete; a second run writes no owner', async () => {
    const { memory, builder, unmarked, stale, team } = await world();
    const changed: string[] = [];
    const report = await builder().run({ dryRun: false, concurrency: 3, onOwnerChanged: (owner, holds) => changed.push(`${holds ? '+' : '-'}${owner.kind}:${owner.id}`) });
    expect(report).toEqual({ dryRun: false, ownersScanned: 5, holders: { users: 2, groups: 1 }, marked: 2, unmarked: 1, completedAt: '2026-12-01T08:00:00.000Z', interrupted: false });
    expect(changed.sort()).toEqual(['+group:team', '+user:unmarked', '-user:stale']);
    expect((await memory.store.load(unmarked))?.holderMark).toBe(true);
    expect((await memory.store.load(team))?.holderMark).toBe(true);
    expect((await memory.store.load(stale))?.holderMark).toBe(false);
    expect(memory.sealedOf(unmarked, 'openai').map((key) => key.keyId)).toEqual(['k_2']);
    expect(await memory.holderIndex.completedAt()).toBe('2026-12-01T08:00:00.000Z');

    const saves = memory.stats.saves;
    const again = await builder(new Date('2026-12-02T08:00:00Z')).run({ dryRun: false, concurrency: 3 });
    expect(again).toMatchObject({ marked: 0, unmarked: 0, holders: { users: 2, groups: 1 }, completedAt: '2026-12-02T08:00:00.000Z' });
    expect(memory.stats.saves).toBe(saves);
  });

  test('a dry run counts and writes nothing; an interrupted run keeps its marks but does not mark the index complete', async () => {
    const { memory, builder, unmarked } = await world();
    const dry = await builder().run({ dryRun: true, concurrency: 2 });
    expect(dry).toMatchObject({ dryRun: true, marked: 2, unmarked: 1, completedAt: undefined });
    expect(memory.stats.saves).toBe(1); // the one save of the world itself
    expect(await memory.holderIndex.completedAt()).toBeUndefined();

    const controller = new AbortController();
    const interrupted = await builder().run({
      dryRun: false,
      concurrency: 1,
      signal: controller.signal,
      onProgress: (progress) => {
        if (progress.ownersScanned === 1) controller.abort();
      },
    });
    expect(interrupted).toMatchObject({ interrupted: true, completedAt: undefined });
    expect(interrupted.ownersScanned).toBeLessThan(5);
    expect(await memory.holderIndex.completedAt()).toBeUndefined();
    // The rest is done by the next run.
    const rest = await builder().run({ dryRun: false, concurrency: 1 });
    expect(rest.completedAt).toBeDefined();
    expect((await memory.store.load(unmarked))?.holderMark).toBe(true);
  });

  test('an owner whose keys are gone by the time of the locked, fresh read is not marked', async () => {
    const { memory, unmarked } = await world();
    const store = {
      ...memory.store,
      async load(owner: OwnerRef) {
        const fresh = await memory.store.load(owner);
        return fresh && owner.id === unmarked.id ? { ...fresh, sealed: new Map() } : fresh;
      },
    };
    const report = await createHolderIndexBuilder({ scanner: memory.scanner, store, locks: createInProcessLocks(), index: memory.holderIndex, now: () => new Date() }).run({
      dryRun: false,
      concurrency: 1,
    });
    expect(report.holders.users).toBe(1);
    expect((await memory.store.load(unmarked))?.holderMark).toBe(false);
    expect(report.marked).toBe(1); // the team
  });
});
