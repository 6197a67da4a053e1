/**
 * Adoption (GET /api/v1/admin/stats): three figures as text (users with keys, the key test success
 * rate, the owner cache's hit ratio) and three charts with their numbers as tables (users' keys per
 * provider, resolves by source, requests per day). The realm's figures are taken by one walk at
 * most once a minute (the answer says when); resolves, the cache and the platform keys' usage are
 * those of the instance that answers, since it started.
 */
import { describeError, type AdoptionStats, type Provider } from '../api';
import { barChart } from '../charts';
import { h, uniqueId } from '../dom';
import { formatDate, percent, plural } from '../format';
import { lastDays, USAGE_DAYS, utcDate } from '../usage-days';
import type { AdminDeps } from './console';


const SOURCES = [
  { id: 'user', label: 'Own keys' },
  { id: 'group', label: 'Team keys' },
  { id: 'system', label: 'Platform keys' },
] as const;

function figure(term: string, value: string, detail?: string): HTMLElement {
  return h('div', { class: 'figure' }, [h('dt', { text: term }), h('dd', {}, [h('strong', { class: 'figure-value', text: value }), detail ? ` ${detail}` : null])]);
}

function figures(stats: AdoptionStats): HTMLElement {
  const { adoption, cache } = stats;
  const tests = adoption.tests;
  return h('dl', { class: 'figures' }, [
    figure('Users with keys', `${adoption.usersWithKeys} of ${adoption.users}`, adoption.users > 0 ? `(${percent(adoption.usersWithKeys / adoption.users)})` : undefined),
    tests.successRate === null
      ? figure('Key test success rate', 'No key tested yet')
      : figure('Key test success rate', percent(tests.successRate), `(${tests.valid} of ${plural(tests.tested, 'tested key')} valid at their last test)`),
    cache.hitRatio === null
      ? figure('Cache hit ratio', 'No lookups yet')
      : figure('Cache hit ratio', percent(cache.hitRatio), `(${plural(cache.hits, 'hit')}, ${plural(cache.misses, 'miss', 'misses')} on this instance)`),
  ]);
}

function charts(stats: AdoptionStats, providers: readonly Provider[]): HTMLElement[] {
  const nameOf = (id: string) => providers.find((provider) => provider.id === id)?.name ?? id;
  const withKeys = providers.filter((provider) => (stats.adoption.keysByProvider[provider.id] ?? 0) > 0);
  const keysChart =
    withKeys.length === 0
      ? h('p', { class: 'muted', text: 'No user has a key yet.' })
      : barChart({
          title: "Users' keys per provider",
          labelHeading: 'Provider',
          labels: withKeys.map((provider) => provider.name),
          series: [{ name: 'Keys', values: withKeys.map((provider) => stats.adoption.keysByProvider[provider.id] ?? 0) }],
        });
  const sourcesChart = barChart({
    title: 'Resolves by source (this instance)',
    labelHeading: 'Source',
    labels: SOURCES.map((source) => source.label),
    series: [{ name: 'Resolves', values: SOURCES.map((source) => stats.resolvesBySource[source.id]) }],
  });

  // One series per provider with figures (users' and teams' keys), and the platform keys' together.
  const dates = lastDays(utcDate(new Date()));
  const perProvider = new Map<string, number[]>();
  for (const day of stats.usage.days) {
    const index = dates.indexOf(day.date);
    if (index < 0) continue;
    const values = perProvider.get(day.provider) ?? dates.map(() => 0);
    values[index] = (values[index] ?? 0) + day.requests;
    perProvider.set(day.provider, values);
  }
  const platform = dates.map(() => 0);
  for (const day of stats.usage.system) {
    const index = dates.indexOf(day.date);
    if (index >= 0) platform[index] = (platform[index] ?? 0) + day.requests;
  }
  const series = [...perProvider].map(([provider, values]) => ({ name: nameOf(provider), values }));
  if (platform.some((value) => value > 0)) series.push({ name: 'Platform keys', values: platform });
  const usageChart =
    series.length === 0
      ? h('p', { class: 'muted', text: `No requests in the last ${USAGE_DAYS} days.` })
      : barChart({ title: `Requests per day, last ${USAGE_DAYS} days (UTC)`, labelHeading: 'Day', labels: dates, series, stacked: true });

  return [keysChart, sourcesChart, usageChart].map((chart) => h('div', { class: 'chart-cell' }, [chart]));
}

export function createAdoptionSection(deps: AdminDeps) {
  const headingId = uniqueId('adoption-heading');
  const body = h('div', { class: 'adoption-body', attrs: { 'aria-busy': 'true' } }, [h('p', { class: 'muted', text: 'Loading the figures…' })]);
  // Not disabled while loading: a focused button that becomes disabled drops the focus.
  const refresh = h('button', {
    class: 'button small',
    text: 'Refresh figures',
    attrs: { type: 'button', 'data-action': 'refresh-stats' },
    on: { click: () => void load().then((loaded) => loaded && deps.announce('Figures refreshed.')) },
  });
  const element = h('section', { class: 'admin-section adoption', attrs: { 'aria-labelledby': headingId } }, [
    h('div', { class: 'section-head' }, [h('h2', { id: headingId, text: 'Adoption' }), refresh]),
    body,
  ]);

  let loading = false;
  /** Loads and shows the figures; false when a load was already under way or it failed (the error is shown). */
  async function load(): Promise<boolean> {
    if (loading) return false;
    loading = true;
    body.setAttribute('aria-busy', 'true');
    try {
      const stats = await deps.api.adminStats();
      body.replaceChildren(
        figures(stats),
        h('div', { class: 'chart-grid' }, charts(stats, deps.providers())),
        h('p', {
          class: 'hint',
          text: `The realm's figures were taken ${formatDate(stats.adoption.computedAt)} (at most once a minute). Resolves, the cache and the platform keys' requests are counted by this instance since it started.`,
        }),
      );
      return true;
    } catch (error) {
      body.replaceChildren(h('p', { class: 'error', attrs: { role: 'alert' }, text: describeError(error) }));
      return false;
    } finally {
      body.setAttribute('aria-busy', 'false');
      loading = false;
    }
  }

  return { element, load };
}
