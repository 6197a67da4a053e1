/**
 * Usage per day as a chart shows it: the API lists only the days with figures (UTC dates, ascending,
 * the last USAGE_DAYS_KEPT days), a chart needs every day of the window, the ones without figures as 0.
 * No imports and no DOM: unit-tested under Node (tests/unit/ui-usage-days.test.ts).
 */

/** The window the service keeps (USAGE_DAYS_KEPT): today and the 29 days before, in UTC. */
export const USAGE_DAYS = 30;

export interface DayFigures {
  /** A UTC date, YYYY-MM-DD. */
  date: string;
  requests: number;
  inputTokens: number;
  outputTokens: number;
}

export interface DailySeries {
  /** Every day of the window, oldest first (YYYY-MM-DD). */
  dates: string[];
  requests: number[];
  inputTokens: number[];
  outputTokens: number[];
}

const DAY_MS = 86_400_000;

/** The UTC date (YYYY-MM-DD) of an instant. */
export function utcDate(instant: Date): string {
  return instant.toISOString().slice(0, 10);
}

/** `count` consecutive UTC dates ending with `last` (YYYY-MM-DD), oldest first. */
export function lastDays(last: string, count = USAGE_DAYS): string[] {
  const end = Date.parse(`${last}T00:00:00Z`);
  if (Number.isNaN(end)) throw new Error(`not a date: ${last}`);
  return Array.from({ length: count }, (_, index) => utcDate(new Date(end - (count - 1 - index) * DAY_MS)));
}

/**
 * The figures of every day of the window that ends today (or on the newest date the service reported,
 * should this browser's clock be behind the service's), 0 where the service listed nothing; figures
 * older than the window are left out.
 */
export function dailySeries(days: readonly DayFigures[], today: string, count = USAGE_DAYS): DailySeries {
  const newest = days.reduce((latest, day) => (day.date > latest ? day.date : latest), today);
  const dates = lastDays(newest, count);
  const byDate = new Map(days.map((day) => [day.date, day]));
  const pick = (field: 'requests' | 'inputTokens' | 'outputTokens') => dates.map((date) => byDate.get(date)?.[field] ?? 0);
  return { dates, requests: pick('requests'), inputTokens: pick('inputTokens'), outputTokens: pick('outputTokens') };
}
