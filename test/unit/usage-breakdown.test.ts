import { breakdownFromRows, breakdownOf, uncapturedLine } from '../../src/credits/usage-breakdown';
import { usageColumns, usageLineRows } from '../../src/credits/usage-rows';
import { priceUsage, type ModelRates, type PricedItemInput } from '../../src/pricing/compute/price-usage';
import { creditsToMicro } from '../../src/shared/amounts';

const c = (credits: number) => creditsToMicro(credits);
const tool = (credits: number, quantity = 1): PricedItemInput => ({ kind: 'tool', tool: 'search', publisherId: null, creditsPerExecution: c(credits), quantity: BigInt(quantity) });
const sonnet: ModelRates = { name: 'sonnet', provider: 'anthropic', input: c(3), output: c(15), cacheWrite: c(3.75), cacheRead: c(0.3), providerCostInput: 2_500_000n, providerCostOutput: 12_000_000n };
const whisper: ModelRates = { name: 'whisper', provider: 'openai', input: null, output: null, cacheWrite: null, cacheRead: null, providerCostInput: null, providerCostOutput: null, perMinute: c(0.6), providerCostPerMinute: 6_000n };
const vision: ModelRates = { ...sonnet, name: 'vision', perImage: c(1.25), providerCostPerImage: 4_000n };
const call = (model: ModelRates, units: { input?: number; output?: number; cacheWrite?: number; cacheRead?: number; milliMinutes?: number; images?: number }): PricedItemInput => ({
  kind: 'model',
  model,
  inputTokens: BigInt(units.input ?? 0),
  outputTokens: BigInt(units.output ?? 0),
  cacheWriteTokens: BigInt(units.cacheWrite ?? 0),
  cacheReadTokens: BigInt(units.cacheRead ?? 0),
  ...(units.milliMinutes === undefined ? {} : { milliMinutes: BigInt(units.milliMinutes) }),
  ...(units.images === undefined ? {} : { images: BigInt(units.images) }),
});

/** Bigint columns as PostgreSQL returns them (text), the way the readers get the rows. */
type AsRead<T> = { [K in keyof T]: T[K] extends bigint ? string : T[K] };
const asRead = <T extends object>(row: T) => Object.fromEntries(Object.entries(row).map(([key, value]) => [key, typeof value === 'bigint' ? String(value) : value])) as AsRead<T>;

/** The rows a debit of `items` stores, read back, and the lines rebuilt from them. */
function rebuilt(items: PricedItemInput[], markupBps: bigint | null, uncaptured = 0n) {
  const priced = priceUsage(items, { markupBps });
  const facts = { eventId: 'use_1', accountId: 'acct_1', agent: null, taskId: null, at: new Date('2026-12-04T00:00:00Z'), priced };
  const event = asRead(usageColumns({ ...facts, resolved: items, markupBps }));
  const rows = usageLineRows(facts).map((row, position) => ({ ...asRead(row), position })).reverse(); // read order is not line order
  return breakdownFromRows(event, rows, { uncaptured });
}

describe('breakdownFromRows rebuilds the breakdown answered at recording, byte for byte', () => {
  it.each<[string, PricedItemInput[], bigint | null]>([
    ['one tool', [tool(12)], null],
    ['a tool run many times, a fractional price', [tool(0.333333, 7)], null],
    ['tokens, all four kinds', [call(sonnet, { input: 1200, output: 350, cacheWrite: 10, cacheRead: 90_000 })], null],
    ['audio minutes', [call(whisper, { milliMinutes: 2_345 })], null],
    ['images with tokens', [call(vision, { input: 800, images: 3 })], null],
    ['agent markup (20%)', [tool(2), call(sonnet, { input: 1000, output: 100 })], 2000n],
    ['agent markup at 12.5%', [tool(3, 2)], 1250n],
    ['agent markup at 0%', [tool(3, 2)], 0n],
    ['rounding', [call(sonnet, { input: 1, output: 1 })], null],
    ['zero units stay out of a model line', [call(whisper, { milliMinutes: 0, images: 0 })], null],
  ])('%s', (_name, items, markupBps) => {
    expect(JSON.stringify(rebuilt(items, markupBps))).toBe(JSON.stringify(breakdownOf(priceUsage(items, { markupBps }), markupBps)));
  });

  it('a capped hold capture: the uncaptured line last, as the capture answered it', () => {
    const items = [tool(40)];
    const answered = [...breakdownOf(priceUsage(items, { markupBps: null }), null), uncapturedLine(35_000_000n)];
    expect(JSON.stringify(rebuilt(items, null, 35_000_000n))).toBe(JSON.stringify(answered));
  });

  it('lines have the shape clients have always been answered (jsonb key order)', () => {
    expect(JSON.stringify(rebuilt([tool(0.5, 3), call(whisper, { milliMinutes: 1_500 })], 2000n, 1_000_000n))).toBe(
      JSON.stringify([
        { tool: 'search', type: 'tool', credits: 1.5, quantity: 3, credits_per_execution: 0.5 },
        { type: 'model', model: 'whisper', credits: 0.9, minutes: 1.5, provider: 'openai', input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, provider_cost_usd: 0.009, cache_write_tokens: 0 },
        { type: 'markup', credits: 0.48, description: 'Agent markup (20%)' },
        { type: 'uncaptured', credits: -1, description: 'Beyond the hold and the balance on a plan without overage: not charged' },
      ]),
    );
  });

  it('legacy rows without unit columns (null) read as token-only lines', () => {
    const items = [call(sonnet, { input: 100 })];
    const priced = priceUsage(items, { markupBps: null });
    const facts = { eventId: 'use_1', accountId: 'acct_1', agent: null, taskId: null, at: new Date(), priced };
    const rows = usageLineRows(facts).map((row, position) => ({ ...asRead(row), position, milli_minutes: null, images: null }));
    const lines = breakdownFromRows({ markup_bps: null, markup: '0', rounding: String(priced.rounding) }, rows, { uncaptured: 0n });
    expect(JSON.stringify(lines)).toBe(JSON.stringify(breakdownOf(priced, null)));
  });
});
