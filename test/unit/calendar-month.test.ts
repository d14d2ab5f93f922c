import { monthContaining, nextMonth, parsePeriodKey, periodKey, previousPeriodKey } from '../../src/periods/compute/calendar-month';

describe('calendar months (UTC)', () => {
  it.each([
    ['2026-11-25T11:42:00Z', '2026-11-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z'],
    ['2026-12-31T23:59:59.999Z', '2026-12-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
    ['2024-02-29T12:00:00Z', '2024-02-01T00:00:00.000Z', '2024-03-01T00:00:00.000Z'],
    ['2026-03-01T00:00:00Z', '2026-03-01T00:00:00.000Z', '2026-04-01T00:00:00.000Z'],
  ])('%s lies in [%s, %s)', (instant, start, end) => {
    const period = monthContaining(new Date(instant));
    expect([period.start.toISOString(), period.end.toISOString()]).toEqual([start, end]);
  });

  it('steps to the next month across a year end', () => {
    expect(periodKey(nextMonth(monthContaining(new Date('2026-12-15T00:00:00Z'))))).toBe('2027-01');
  });

  it.each([
    ['2026-10', '2026-10-01T00:00:00.000Z'],
    ['2026-13', null],
    ['2026-00', null],
    ['26-10', null],
    ['2026-1', null],
  ])('parses %s', (key, start) => {
    expect(parsePeriodKey(key)?.start.toISOString() ?? null).toBe(start);
  });

  it.each([
    ['2026-11-01T00:05:00Z', '2026-10'],
    ['2027-01-01T00:05:00Z', '2026-12'],
    ['2026-03-31T23:59:59Z', '2026-02'],
  ])('a close started at %s closes %s', (instant, period) => {
    expect(previousPeriodKey(new Date(instant))).toBe(period);
  });
});
