import fc from 'fast-check';
import { EXACT_PER_MINOR, SHARE_SCALE, floorToMinor, splitAccrual } from '../../src/payouts/compute/accrual-split';
import { decidePayout } from '../../src/payouts/compute/payout-amount';
import { reversalCredits } from '../../src/payouts/compute/reversal';
import { buildUsageAccruals } from '../../src/payouts/usage-accruals';
import { priceUsage, DEFAULT_AGENT_MARKUP_BPS, type PricedItemInput } from '../../src/pricing/compute/price-usage';

/** Accrual exactness (issue 7): nothing is lost to rounding, over any debits, prices and shares. */
const credits = fc.bigInt({ min: 0n, max: 10n ** 13n }); // up to 10M credits in micro-credits
const price = fc.bigInt({ min: 1n, max: 10n ** 10n }); // $0.000001 … $100 per credit, in micro-minor
const share = fc.bigInt({ min: 0n, max: SHARE_SCALE });

describe('accrual split (pure)', () => {
  it('publisher + platform == value, both ≥ 0, publisher exactly value × share', () => {
    fc.assert(
      fc.property(credits, price, share, (c, p, s) => {
        const split = splitAccrual(c, p, s);
        expect(split.publisher + split.platform).toBe(split.value);
        expect(split.publisher).toBeGreaterThanOrEqual(0n);
        expect(split.platform).toBeGreaterThanOrEqual(0n);
        expect(split.publisher * SHARE_SCALE).toBe(split.value * s);
        // a reversal of the same credits is the exact negative
        const reversed = splitAccrual(-c, p, s);
        expect(reversed.publisher).toBe(-split.publisher);
        expect(reversed.platform).toBe(-split.platform);
      }),
      { numRuns: 500 },
    );
  });

  it('over random debits (tools with and without publishers, models, agent markup) accruals + platform == value of the tool credits', () => {
    const tool = fc.record({
      kind: fc.constant('tool' as const),
      tool: fc.constantFrom('a.x', 'b.y', 'c.z'),
      publisherId: fc.constantFrom('pub_a', 'pub_b', null),
      creditsPerExecution: fc.bigInt({ min: 0n, max: 10_000_000_000n }),
      quantity: fc.bigInt({ min: 1n, max: 10_000n }),
    });
    const model = fc.record({
      kind: fc.constant('model' as const),
      model: fc.constant({ name: 'm', provider: 'p', input: 3_000_000n, output: 15_000_000n, cacheWrite: null, cacheRead: null, providerCostInput: null, providerCostOutput: null }),
      inputTokens: fc.bigInt({ min: 0n, max: 100_000n }),
      outputTokens: fc.bigInt({ min: 0n, max: 100_000n }),
      cacheWriteTokens: fc.constant(0n),
      cacheReadTokens: fc.constant(0n),
    });
    fc.assert(
      fc.property(
        fc.array(fc.record({ items: fc.array(fc.oneof(tool, model), { minLength: 1, maxLength: 5 }), markup: fc.boolean() }), { minLength: 1, maxLength: 20 }),
        price,
        fc.record({ pub_a: share, pub_b: share }),
        (debits, priceMicroMinor, shares) => {
          let value = 0n;
          let publisher = 0n;
          let platform = 0n;
          debits.forEach((debit, index) => {
            const priced = priceUsage(debit.items as PricedItemInput[], { markupBps: debit.markup ? DEFAULT_AGENT_MARKUP_BPS : null });
            const rows = buildUsageAccruals({
              usageEventId: `use_${index}`,
              accountId: 'acct_x',
              at: new Date(0),
              priced,
              shares: new Map(Object.entries(shares)),
              pricing: { priceMicroMinor, currency: 'usd' },
            });
            for (const item of debit.items) {
              if (item.kind === 'tool' && item.publisherId) value += item.creditsPerExecution * item.quantity * priceMicroMinor * SHARE_SCALE;
            }
            for (const row of rows) {
              publisher += BigInt(row.publisher_exact as string);
              platform += BigInt(row.platform_exact as string);
              expect(BigInt(row.publisher_exact as string)).toBeGreaterThanOrEqual(0n);
              expect(BigInt(row.platform_exact as string)).toBeGreaterThanOrEqual(0n);
            }
          });
          expect(publisher + platform).toBe(value);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('payout rounding carries every remainder: Σ paid + final pending == Σ accrued (reversals included)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.bigInt({ min: -(10n ** 19n), max: 10n ** 20n }), { maxLength: 30 }), { minLength: 1, maxLength: 24 }),
        fc.bigInt({ min: 0n, max: 10_000n }),
        (periods, minimum) => {
          let accrued = 0n;
          let pending = 0n;
          let paid = 0n;
          for (const period of periods) {
            for (const amount of period) {
              accrued += amount;
              pending += amount;
            }
            const decision = decidePayout(pending, minimum);
            if (decision.kind === 'transfer') {
              expect(decision.amount).toBeGreaterThanOrEqual(minimum);
              expect(decision.amount).toBeGreaterThan(0n);
              expect(decision.remainderExact >= 0n && decision.remainderExact < EXACT_PER_MINOR).toBe(true);
              paid += decision.amount;
              pending -= decision.amount * EXACT_PER_MINOR;
              expect(pending).toBe(decision.remainderExact);
            } else {
              expect(decision.amount).toBe(floorToMinor(pending).minor);
            }
          }
          expect(paid * EXACT_PER_MINOR + pending).toBe(accrued);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('refund reversals never reverse more than the refunded grant funded, however refunds are split', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 10n }),
        fc.bigInt({ min: 1n, max: 10n ** 10n }),
        fc.bigInt({ min: 1n, max: 10n ** 10n }),
        fc.array(fc.tuple(fc.bigInt({ min: 1n, max: 1000n }), fc.bigInt({ min: 1n, max: 1000n })), { minLength: 1, maxLength: 6 }),
        (lineCredits, burned, chargedExtra, fractions) => {
          const charged = burned + chargedExtra - 1n; // burned ≤ charged
          const funded = (lineCredits * burned * 2n + charged) / (charged * 2n);
          let reversed = 0n;
          for (const [a, b] of fractions) {
            const fraction = a <= b ? { num: a, den: b } : { num: b, den: a };
            const next = reversalCredits({ lineCredits, burned, charged, fraction, reversedForGrant: reversed, reversedTotal: reversed });
            expect(next).toBeGreaterThanOrEqual(0n);
            reversed += next;
          }
          expect(reversed).toBeLessThanOrEqual(funded);
          expect(reversed).toBeLessThanOrEqual(lineCredits);
        },
      ),
      { numRuns: 500 },
    );
  });
});
