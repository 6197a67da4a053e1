/**
 * An endpoint's `quickBody` (src/http/endpoints/endpoint.ts) lets the hot path skip the schema, so
 * it must never pass a body the schema would refuse or change. For the resolve body, over every
 * combination of valid and invalid field values (as JSON bodies arrive: parsed from text), the quick
 * check passes exactly the bodies `resolveBody` accepts, and those come out of the schema unchanged.
 */
import { isPlainResolveBody, resolveBody } from '../../src/http/schemas.js';

const UUID = '0b1c8f52-3d4e-4a6b-9c7d-2e5f8a1b3c4d';
const ABSENT = Symbol('absent');

const VALUES: Record<string, unknown[]> = {
  userId: [ABSENT, UUID, 'f:ldap:42', 'a'.repeat(64), 'a'.repeat(65), '', 'has space', 'ü', 42, null, true, [UUID], { id: UUID }],
  provider: [ABSENT, 'openai', 'no-such-provider', 'p'.repeat(64), 'p'.repeat(65), '', 7, null],
  model: [ABSENT, 'gpt-4o', 'openai/gpt-4o', 'm'.repeat(256), 'm'.repeat(257), '', 'with space', 'modèle', '\u007f', 3, null, false],
  groupId: [ABSENT, UUID, '', 'bad/id', null, 1],
  allowSystemFallback: [ABSENT, true, false, 'true', 0, null],
};

/** A deterministic sample of the combinations (all of them is 13 × 8 × 12 × 6 × 6 = 44,928). */
function* bodies(): Generator<unknown> {
  const names = Object.keys(VALUES);
  let seed = 11;
  const pick = (values: unknown[]) => values[(seed = (seed * 48271) % 2147483647) % values.length];
  for (let i = 0; i < 20_000; i += 1) {
    const body: Record<string, unknown> = {};
    for (const name of names) {
      const value = i < 200 ? (VALUES[name] as unknown[])[i % (VALUES[name] as unknown[]).length] : pick(VALUES[name] as unknown[]);
      if (value !== ABSENT) body[name] = value;
    }
    yield body;
  }
  // Not objects, empty, extra or odd keys.
  yield* [null, 'text', 42, [], [{ userId: UUID }], {}, { userId: UUID, extra: 1 }, { userId: UUID, __proto__x: 1 }];
  yield JSON.parse(`{"userId":"${UUID}","__proto__":{"model":"x"}}`);
  yield JSON.parse(`{"__proto__":{"userId":"${UUID}"}}`);
  yield JSON.parse(`{"userId":"${UUID}","userId":"dup"}`);
  yield JSON.parse(`{"userId":"${UUID}","constructor":"x"}`);
}

test('the quick resolve check passes exactly what resolveBody accepts, and those unchanged', () => {
  let accepted = 0;
  let refused = 0;
  for (const generated of bodies()) {
    const body: unknown = JSON.parse(JSON.stringify(generated) ?? 'null');
    const parsed = resolveBody.safeParse(body);
    expect({ body, quick: isPlainResolveBody(body) }).toEqual({ body, quick: parsed.success });
    if (parsed.success) {
      expect(parsed.data).toEqual(body);
      accepted += 1;
    } else refused += 1;
  }
  // Both sides are exercised.
  expect(accepted).toBeGreaterThan(100);
  expect(refused).toBeGreaterThan(1000);
});
