import { planDebit, type GrantLot } from '../../src/credits/compute/burn-order';

const at = new Date('2026-11-15T00:00:00Z');
const day = (n: number) => new Date(Date.UTC(2026, 10, n));
const lot = (id: string, remaining: number, extra: Partial<GrantLot> = {}): GrantLot => ({
  id,
  priority: 50,
  remaining: BigInt(remaining),
  startsAt: day(1),
  expiresAt: null,
  createdAt: day(1),
  ...extra,
});

describe('planDebit: burn order', () => {
  it.each<[string, GrantLot[], number, Array<[string, number]>]>([
    ['priority first', [lot('paid', 10, { priority: 50 }), lot('promo', 10, { priority: 10 })], 5, [['promo', 5]]],
    ['then soonest expiry', [lot('later', 10, { expiresAt: day(30) }), lot('sooner', 10, { expiresAt: day(20) })], 5, [['sooner', 5]]],
    ['never-expiring after expiring', [lot('forever', 10), lot('expiring', 10, { expiresAt: day(30) })], 5, [['expiring', 5]]],
    ['then oldest', [lot('new', 10, { createdAt: day(5) }), lot('old', 10, { createdAt: day(2) })], 5, [['old', 5]]],
    ['spans grants in order', [lot('a', 3, { priority: 1 }), lot('b', 3, { priority: 2 }), lot('c', 3, { priority: 3 })], 7, [['a', 3], ['b', 3], ['c', 1]]],
    ['skips expired', [lot('expired', 10, { expiresAt: day(10), priority: 0 }), lot('ok', 10)], 4, [['ok', 4]]],
    ['skips not yet started', [lot('future', 10, { startsAt: day(20), priority: 0 }), lot('ok', 10)], 4, [['ok', 4]]],
    ['skips empty', [lot('empty', 0, { priority: 0 }), lot('ok', 10)], 4, [['ok', 4]]],
  ])('%s', (_name, grants, amount, burns) => {
    const plan = planDebit(grants, BigInt(amount), at, false);
    expect(plan.kind).toBe('ok');
    if (plan.kind === 'ok') expect(plan.burns.map((b) => [b.grantId, Number(b.amount)])).toEqual(burns);
  });

  it('a hard-limit plan refuses what grants cannot cover and says what is available', () => {
    expect(planDebit([lot('a', 2), lot('b', 3, { expiresAt: day(10) })], 5n, at, false)).toEqual({ kind: 'insufficient', available: 2n });
  });

  it('an overage plan spends everything and records the rest as overage', () => {
    const plan = planDebit([lot('a', 2)], 5n, at, true);
    expect(plan).toMatchObject({ kind: 'ok', covered: 2n, overage: 3n, burns: [{ grantId: 'a', amount: 2n }] });
  });

  it('an exact fit empties the grants with no overage', () => {
    expect(planDebit([lot('a', 5)], 5n, at, false)).toMatchObject({ kind: 'ok', covered: 5n, overage: 0n });
  });
});
