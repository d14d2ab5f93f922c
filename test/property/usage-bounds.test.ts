import fc from 'fast-check';
import {
  MAX_CHARGE_MICRO,
  MAX_EVENT_PROVIDER_COST_MICRO_USD,
  MAX_ITEMS,
  MAX_PRICE_CREDITS,
  MAX_PROVIDER_COST_PER_1M_USD,
  MAX_QUANTITY,
  MAX_TOKENS,
  usageBoundViolation,
} from '../../src/pricing/compute/bounds';
import { DEFAULT_AGENT_MARKUP_BPS, priceUsage, type PricedItemInput } from '../../src/pricing/compute/price-usage';

/**
 * Over everything the request schemas accept (prices, rates, token counts, quantities and item
 * counts up to their documented maxima), an event is either refused with a named field or every
 * value stored for it fits a bigint column with room for a million such events in one period.
 */
const BIGINT_MAX = 2n ** 63n - 1n;
const EVENTS_PER_PERIOD = 1_000_000n;
const MICRO = 1_000_000n;

/** Values near the maxima are where overflow lives: bias towards them. */
const upTo = (max: bigint) => fc.oneof(fc.bigInt({ min: 0n, max }), fc.constantFrom(0n, 1n, max, max - 1n, max / 2n));
const price = upTo(BigInt(MAX_PRICE_CREDITS) * MICRO);
const rate = fc.option(price, { nil: null });
const tokens = upTo(BigInt(MAX_TOKENS));

const toolItem: fc.Arbitrary<PricedItemInput> = fc.record({
  kind: fc.constant('tool' as const),
  tool: fc.constant('t'),
  publisherId: fc.constant(null),
  creditsPerExecution: price,
  quantity: fc.oneof(fc.bigInt({ min: 1n, max: BigInt(MAX_QUANTITY) }), fc.constant(BigInt(MAX_QUANTITY))),
});
const modelItem: fc.Arbitrary<PricedItemInput> = fc.record({
  kind: fc.constant('model' as const),
  model: fc.record({
    name: fc.constant('m'),
    provider: fc.constant('p'),
    input: rate,
    output: rate,
    cacheWrite: rate,
    cacheRead: rate,
    providerCostInput: fc.option(upTo(BigInt(MAX_PROVIDER_COST_PER_1M_USD) * MICRO), { nil: null }),
    providerCostOutput: fc.option(upTo(BigInt(MAX_PROVIDER_COST_PER_1M_USD) * MICRO), { nil: null }),
  }),
  inputTokens: tokens,
  outputTokens: tokens,
  cacheWriteTokens: tokens,
  cacheReadTokens: tokens,
});
const event = fc.record({
  items: fc.array(fc.oneof(toolItem, modelItem), { minLength: 1, maxLength: MAX_ITEMS }),
  markupBps: fc.constantFrom(null, DEFAULT_AGENT_MARKUP_BPS),
});

const fitsAMillionTimes = (value: bigint) => value >= -BIGINT_MAX / EVENTS_PER_PERIOD && value <= BIGINT_MAX / EVENTS_PER_PERIOD;

describe('usage bounds', () => {
  it('an accepted event stores only values a period of a million such events can sum', () => {
    fc.assert(
      fc.property(event, ({ items, markupBps }) => {
        const priced = priceUsage(items, { markupBps });
        const violation = usageBoundViolation(priced);
        if (violation) {
          expect(violation.field).toMatch(/^items(\.\d+)?$/);
          expect(priced.charged > MAX_CHARGE_MICRO || priced.providerCost > MAX_EVENT_PROVIDER_COST_MICRO_USD || priced.lines.some((l) => l.credits > MAX_CHARGE_MICRO)).toBe(true);
          return;
        }
        expect(priced.charged <= MAX_CHARGE_MICRO).toBe(true);
        const stored = [
          priced.charged,
          priced.subtotal,
          priced.markup,
          priced.rounding,
          priced.providerCost,
          ...priced.lines.flatMap((line) => [line.credits, line.providerCost]),
          ...(['inputTokens', 'outputTokens', 'cacheWriteTokens', 'cacheReadTokens'] as const).map((kind) =>
            items.reduce((sum, item) => sum + (item.kind === 'model' ? item[kind] : 0n), 0n),
          ),
        ];
        for (const value of stored) expect(fitsAMillionTimes(value)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('the largest requests the schemas accept are refused, not overflowed', () => {
    const maxTool: PricedItemInput = { kind: 'tool', tool: 't', publisherId: null, creditsPerExecution: BigInt(MAX_PRICE_CREDITS) * MICRO, quantity: BigInt(MAX_QUANTITY) };
    const priced = priceUsage(Array.from({ length: MAX_ITEMS }, () => maxTool), { markupBps: DEFAULT_AGENT_MARKUP_BPS });
    expect(usageBoundViolation(priced)).toEqual({ field: 'items.0', message: expect.any(String) });
  });

  it('a period at the ceiling stays far below 2^63', () => {
    expect(MAX_CHARGE_MICRO * EVENTS_PER_PERIOD * 9n < BIGINT_MAX).toBe(true);
  });
});
