/**
 * Usage of one key, for its row in the Manage dialog: last use, and requests and tokens per UTC day
 * over the last 30 days as two small charts (charts.ts: the numbers are also a table for screen
 * readers, and the figures JSON in `data-chart`). The figures come from GET /byok/stats, read when a
 * panel is opened and kept while the dialog stays open (re-renders of the dialog reuse them).
 */
import { describeError, type Api, type KeyStats, type KeyView } from './api';
import { barChart } from './charts';
import { h } from './dom';
import { formatDate, plural } from './format';
import { dailySeries, USAGE_DAYS, utcDate } from './usage-days';

export interface KeyUsage {
  isOpen(key: KeyView): boolean;
  /** Opens (reading the figures anew) or closes the usage panel of `key`. */
  toggle(key: KeyView): void;
  /** The panel of `key` (filled as soon as the figures are there). */
  panel(key: KeyView, id: string): HTMLElement;
  /** Forgets open panels and figures (the dialog was opened anew). */
  reset(): void;
}

const keyOf = (key: KeyView) => `${key.provider}/${key.id}`;
const count = new Intl.NumberFormat();

export function createKeyUsage(api: Pick<Api, 'stats'>, now: () => Date = () => new Date()): KeyUsage {
  const open = new Set<string>();
  let stats: Promise<KeyStats> | null = null;

  function fill(panel: HTMLElement, key: KeyView, figures: KeyStats): void {
    // A panel the dialog has re-rendered meanwhile is replaced by a new one, which fills itself.
    if (!panel.isConnected) return;
    const usage = figures.providers.find((entry) => entry.provider === key.provider)?.usage.keys.find((entry) => entry.keyId === key.id);
    const series = dailySeries(usage?.days ?? [], utcDate(now()));
    panel.replaceChildren(
      h('p', { class: 'usage-totals' }, [
        `Last used: ${formatDate(key.lastUsedAt)}. Last ${USAGE_DAYS} days: `,
        h('strong', { text: plural(usage?.requests ?? 0, 'request') }),
        `, ${count.format(usage?.inputTokens ?? 0)} input and ${count.format(usage?.outputTokens ?? 0)} output tokens.`,
      ]),
      barChart({
        title: `Requests per day, last ${USAGE_DAYS} days (UTC)`,
        labels: series.dates,
        series: [{ name: 'Requests', values: series.requests }],
        labelHeading: 'Day',
      }),
      barChart({
        title: `Tokens per day, last ${USAGE_DAYS} days (UTC)`,
        labels: series.dates,
        series: [
          { name: 'Input tokens', values: series.inputTokens },
          { name: 'Output tokens', values: series.outputTokens },
        ],
        labelHeading: 'Day',
        stacked: true,
      }),
    );
    panel.setAttribute('aria-busy', 'false');
  }

  return {
    isOpen: (key) => open.has(keyOf(key)),
    toggle(key) {
      if (open.delete(keyOf(key))) return;
      open.add(keyOf(key));
      stats = api.stats();
      // A failure is shown by the panel; this only keeps it from being reported as unhandled.
      stats.catch(() => undefined);
    },
    panel(key, id) {
      const panel = h('div', { id, class: 'usage', attrs: { role: 'region', 'aria-label': `Usage of ${key.label}`, 'aria-busy': 'true', 'data-usage': key.id } }, [
        h('p', { class: 'muted', text: 'Loading usage…' }),
      ]);
      stats ??= api.stats();
      stats.then(
        (figures) => fill(panel, key, figures),
        (caught: unknown) => {
          panel.replaceChildren(h('p', { class: 'error', attrs: { role: 'alert' }, text: `Usage could not be loaded: ${describeError(caught)}` }));
          panel.setAttribute('aria-busy', 'false');
        },
      );
      return panel;
    },
    reset() {
      open.clear();
      stats = null;
    },
  };
}
