import { planCloseLedger, type OpenGrant } from '../../src/periods/compute/plan-close-ledger';
import { monthContaining, nextMonth } from '../../src/periods/compute/calendar-month';

const period = { ...monthContaining(new Date('2026-10-15T00:00:00Z')), key: '2026-10' };
const next = { ...nextMonth(period), key: '2026-11' };
let ids = 0;
const newId = (prefix: 'grt' | 'txn') => `${prefix}_${++ids}`;
const lot = (id: string, extra: Partial<OpenGrant>): OpenGrant => ({ id, unit: 'credits', kind: 'included', source: 'period:2026-10', remaining: 0n, expiresAt: period.end, ...extra });
const plan = (rolloverFraction = '0') => ({ name: 'Pro', rolloverFraction, includedCredits: 100n, includedTokens: 10n });
const positions = (credits: bigint, tokens = 0n) => ({ credits: { balance: credits, lastSeq: 5n }, tokens: { balance: tokens, lastSeq: 1n } });

describe('planCloseLedger', () => {
  it('expires unused included credits and grants the next period', () => {
    const result = planCloseLedger({ grants: [lot('g1', { remaining: 70n })], positions: positions(70n), plan: plan(), period, next, newId });
    expect(result.entries.map((e) => [e.unit, e.type, e.amount, e.seq, e.balanceAfter, e.idempotencyKey])).toEqual([
      ['credits', 'expiry', -70n, 6n, 0n, 'expiry:g1'],
      ['credits', 'grant', 100n, 7n, 100n, 'included:2026-11:credits'],
      ['tokens', 'grant', 10n, 2n, 10n, 'included:2026-11:tokens'],
    ]);
    expect(result.reductions).toEqual([{ grantId: 'g1', amount: 70n }]);
    expect(result.grants.map((g) => [g.unit, g.amount, g.startsAt, g.expiresAt])).toEqual([
      ['credits', 100n, next.start, next.end],
      ['tokens', 10n, next.start, next.end],
    ]);
    expect(result.expired).toEqual({ credits: 70n, tokens: 0n });
  });

  it('rolls over the plan fraction, then expires the rest', () => {
    const result = planCloseLedger({ grants: [lot('g1', { remaining: 80n })], positions: positions(80n), plan: plan('0.25'), period, next, newId });
    expect(result.entries.slice(0, 3).map((e) => [e.type, e.amount, e.balanceAfter, e.idempotencyKey])).toEqual([
      ['rollover', -20n, 60n, 'rollover-out:g1'],
      ['rollover', 20n, 80n, 'rollover-in:g1'],
      ['expiry', -60n, 20n, 'expiry:g1'],
    ]);
    expect(result.rolledOver).toBe(20n);
    expect(result.grants[0]).toMatchObject({ amount: 20n, source: 'rollover:2026-10', startsAt: next.start });
  });

  it('leaves grants that outlive the period and expires other kinds that ended with it', () => {
    const grants = [
      lot('purchased', { kind: 'purchased', source: 'purchase:pur_1', remaining: 50n, expiresAt: null }),
      lot('promo', { kind: 'promotional', source: null, remaining: 5n, expiresAt: new Date('2026-10-20T00:00:00Z') }),
      lot('later', { kind: 'promotional', source: null, remaining: 7n, expiresAt: new Date('2026-12-20T00:00:00Z') }),
      lot('tokens', { unit: 'tokens', remaining: 4n }),
    ];
    const result = planCloseLedger({ grants, positions: positions(62n, 4n), plan: plan('0.5'), period, next, newId });
    expect(result.reductions).toEqual([{ grantId: 'promo', amount: 5n }, { grantId: 'tokens', amount: 4n }]);
    expect(result.expired).toEqual({ credits: 5n, tokens: 4n });
    expect(result.positions.credits.balance).toBe(62n - 5n + 100n);
  });

  it('grants nothing for a plan without an allowance and writes nothing when nothing is left', () => {
    const result = planCloseLedger({ grants: [], positions: positions(0n), plan: { ...plan(), includedCredits: 0n, includedTokens: 0n }, period, next, newId });
    expect(result).toMatchObject({ entries: [], grants: [], reductions: [] });
  });
});
