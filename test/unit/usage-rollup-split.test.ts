import { splitByDay } from '../../src/credits/usage-rollup-reads';

/** A report range split into whole UTC days (rollup + rows not rolled up) and partial days (raw rows). */
const at = (iso: string) => new Date(iso);

describe('splitByDay', () => {
  it.each([
    ['unbounded: every day, no edges', null, null, { days: { from: null, to: null }, edges: [] }],
    ['day-aligned bounds: whole days only', '2026-05-03T00:00:00Z', '2026-05-05T00:00:00Z', { days: { from: at('2026-05-03T00:00:00Z'), to: at('2026-05-05T00:00:00Z') }, edges: [] }],
    ['cut at both ends', '2026-05-03T12:00:00Z', '2026-05-05T06:00:00Z', {
      days: { from: at('2026-05-04T00:00:00Z'), to: at('2026-05-05T00:00:00Z') },
      edges: [{ from: at('2026-05-03T12:00:00Z'), to: at('2026-05-04T00:00:00Z') }, { from: at('2026-05-05T00:00:00Z'), to: at('2026-05-05T06:00:00Z') }],
    }],
    ['open start, cut end', null, '2026-05-05T00:00:00.001Z', { days: { from: null, to: at('2026-05-05T00:00:00Z') }, edges: [{ from: at('2026-05-05T00:00:00Z'), to: at('2026-05-05T00:00:00.001Z') }] }],
    ['cut start, open end', '2026-05-04T23:59:59.999Z', null, { days: { from: at('2026-05-05T00:00:00Z'), to: null }, edges: [{ from: at('2026-05-04T23:59:59.999Z'), to: at('2026-05-05T00:00:00Z') }] }],
    ['inside one day: raw rows only', '2026-05-03T01:00:00Z', '2026-05-03T02:00:00Z', { days: null, edges: [{ from: at('2026-05-03T01:00:00Z'), to: at('2026-05-03T02:00:00Z') }] }],
    ['across one midnight, no whole day: raw rows only', '2026-05-03T20:00:00Z', '2026-05-04T02:00:00Z', { days: null, edges: [{ from: at('2026-05-03T20:00:00Z'), to: at('2026-05-04T02:00:00Z') }] }],
    ['before 1970 too', '1495-07-01T06:00:00Z', '1495-07-03T00:00:00Z', { days: { from: at('1495-07-02T00:00:00Z'), to: at('1495-07-03T00:00:00Z') }, edges: [{ from: at('1495-07-01T06:00:00Z'), to: at('1495-07-02T00:00:00Z') }] }],
  ])('%s', (_name, from, to, expected) => {
    expect(splitByDay(from === null ? null : at(from), to === null ? null : at(to))).toEqual(expected);
  });
});
