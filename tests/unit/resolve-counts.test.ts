/**
 * Resolves are counted in plain numbers and handed to prom-client when scraped
 * (src/observability/metrics.ts countResolve): every scrape shows the running totals, none is lost
 * or counted twice between scrapes.
 */
import { createMetrics } from '../../src/observability/metrics.js';

const valueOf = (text: string, line: string) => Number(text.split('\n').find((l) => l.startsWith(`${line} `))?.split(' ')[1] ?? NaN);

test('running totals by source across scrapes; fallbacks only for a later step than the first', async () => {
  const metrics = createMetrics({ defaultMetrics: false });
  for (let i = 0; i < 5; i += 1) metrics.countResolve('user', 0);
  metrics.countResolve('system', 4);
  metrics.countResolve('none', 6);
  let text = await metrics.registry.metrics();
  expect(valueOf(text, 'byok_resolves_total{source="user"}')).toBe(5);
  expect(valueOf(text, 'byok_resolves_total{source="system"}')).toBe(1);
  expect(valueOf(text, 'byok_resolves_total{source="none"}')).toBe(1);
  expect(valueOf(text, 'byok_resolve_fallbacks_total{source="system"}')).toBe(1);
  expect(text).not.toContain('byok_resolve_fallbacks_total{source="user"}');
  expect(text).not.toContain('byok_resolve_fallbacks_total{source="none"}');
  // Scraped again with nothing new: the same; then more: added once.
  text = await metrics.registry.metrics();
  expect(valueOf(text, 'byok_resolves_total{source="user"}')).toBe(5);
  metrics.countResolve('user', 0);
  metrics.countResolve('group', 1);
  text = await metrics.registry.metrics();
  expect(valueOf(text, 'byok_resolves_total{source="user"}')).toBe(6);
  expect(valueOf(text, 'byok_resolve_fallbacks_total{source="group"}')).toBe(1);
  expect(valueOf(text, 'byok_resolve_fallbacks_total{source="system"}')).toBe(1);
});
