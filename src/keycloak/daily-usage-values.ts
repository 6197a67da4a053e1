/**
 * Daily usage ⇄ the values of `byok_<provider>_daily` (docs/storage.md#key-records): one value per key and
 * UTC day, `<keyId>:<YYYY-MM-DD>:<requests>:<inputTokens>:<outputTokens>` (at most 120 characters, so
 * it fits a group's 255-character values). Keycloak keeps no order of values, so each value says
 * everything about itself. Reading is lenient like the `_usage` values: a value that is not of this
 * shape, or names a day that does not exist, is ignored (a stray value must not cost the others);
 * two values of one key and day add up. Pure functions, no I/O.
 */
import { addTo, type DailyByKey, type DayFigures, type UtcDate } from '../vault/daily-usage.js';

const VALUE = /^([A-Za-z0-9_-]{1,64}):(\d{4}-\d{2}-\d{2}):(\d{1,12}):(\d{1,15}):(\d{1,15})$/;

/** A real calendar date (not `2026-02-30`). */
const isDate = (text: string) => {
  const ms = Date.parse(`${text}T00:00:00Z`);
  return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) === text;
};

export function formatDailyValues(byKey: DailyByKey): string[] {
  return [...byKey].flatMap(([keyId, days]) =>
    [...days].map(([date, day]) => `${keyId}:${date}:${Math.round(day.requests)}:${Math.round(day.inputTokens)}:${Math.round(day.outputTokens)}`),
  );
}

export function parseDailyValues(values: readonly string[]): Map<string, Map<UtcDate, DayFigures>> {
  const byKey = new Map<string, Map<UtcDate, DayFigures>>();
  for (const value of values) {
    const match = VALUE.exec(value);
    if (!match || !isDate(match[2] as string)) continue;
    addTo(byKey, match[1] as string, match[2] as string, { requests: Number(match[3]), inputTokens: Number(match[4]), outputTokens: Number(match[5]) });
  }
  return byKey;
}
