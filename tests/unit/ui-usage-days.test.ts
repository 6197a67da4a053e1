/**
 * The web UI's usage series (ui/src/usage-days.ts): the API lists only days with figures; a chart
 * needs every day of the 30-day window, oldest first, 0 where nothing was listed.
 */
import { dailySeries, lastDays, USAGE_DAYS, utcDate } from '../../ui/src/usage-days.js';

const day = (date: string, requests: number, inputTokens = 0, outputTokens = 0) => ({ date, requests, inputTokens, outputTokens });

describe('lastDays', () => {
  test('30 consecutive UTC dates ending with the given one, across a month and a year end', () => {
    const dates = lastDays('2026-01-05');
    expect(dates).toHaveLength(USAGE_DAYS);
    expect(dates[0]).toBe('2025-12-07');
    expect(dates.slice(-6)).toEqual(['2025-12-31', '2026-01-01', '2026-01-02', '2026-01-03', '2026-01-04', '2026-01-05']);
    for (let index = 1; index < dates.length; index += 1) {
      expect(Date.parse(`${dates[index]}T00:00:00Z`) - Date.parse(`${dates[index - 1]}T00:00:00Z`)).toBe(86_400_000);
    }
  });

  test('a leap day, and a window of another length', () => {
    expect(lastDays('2028-03-01', 3)).toEqual(['2028-02-28', '2028-02-29', '2028-03-01']);
  });

  test('refuses what is not a date', () => {
    expect(() => lastDays('yesterday')).toThrow('not a date');
  });
});

describe('utcDate', () => {
  test('the UTC date, whatever the local time zone says', () => {
    expect(utcDate(new Date('2026-03-09T23:59:59.999Z'))).toBe('2026-03-09');
    expect(utcDate(new Date('2026-03-10T00:00:00.000Z'))).toBe('2026-03-10');
  });
});

describe('dailySeries', () => {
  test('fills the days without figures with 0 and puts each figure on its own day', () => {
    const series = dailySeries([day('2026-05-02', 3, 30, 10), day('2026-05-20', 5, 55, 35)], '2026-05-20');
    expect(series.dates).toEqual(lastDays('2026-05-20'));
    const at = (date: string) => series.dates.indexOf(date);
    expect(series.requests[at('2026-05-02')]).toBe(3);
    expect(series.requests[at('2026-05-20')]).toBe(5);
    expect(series.inputTokens[at('2026-05-20')]).toBe(55);
    expect(series.outputTokens[at('2026-05-02')]).toBe(10);
    expect(series.requests.reduce((sum, value) => sum + value, 0)).toBe(8);
    expect(series.requests.filter((value) => value === 0)).toHaveLength(USAGE_DAYS - 2);
  });

  test('no figures: 30 zeros ending today', () => {
    const series = dailySeries([], '2026-05-20');
    expect(series.dates.at(-1)).toBe('2026-05-20');
    expect([...series.requests, ...series.inputTokens, ...series.outputTokens].every((value) => value === 0)).toBe(true);
  });

  test('figures older than the window are left out', () => {
    const series = dailySeries([day('2026-04-20', 9), day('2026-04-21', 4)], '2026-05-20');
    expect(series.dates[0]).toBe('2026-04-21');
    expect(series.requests[0]).toBe(4);
    expect(series.requests.reduce((sum, value) => sum + value, 0)).toBe(4);
  });

  test("a browser clock behind the service's: the window ends on the newest date reported", () => {
    const series = dailySeries([day('2026-05-21', 2)], '2026-05-20');
    expect(series.dates.at(-1)).toBe('2026-05-21');
    expect(series.requests.at(-1)).toBe(2);
  });
});
