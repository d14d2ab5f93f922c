import { priceUsage, type ModelRates, type PricedItemInput } from '../../src/pricing/compute/price-usage';
import { creditsToMicro, microToCredits } from '../../src/shared/amounts';

const c = (credits: number) => creditsToMicro(credits);
const tool = (credits: number, quantity = 1): PricedItemInput => ({ kind: 'tool', tool: 't', publisherId: null, creditsPerExecution: c(credits), quantity: BigInt(quantity) });
const model = (rates: Partial<Record<'input' | 'output' | 'cacheWrite' | 'cacheRead', number | null>>): ModelRates => ({
  name: 'm',
  provider: 'p',
  input: rates.input === undefined || rates.input === null ? null : c(rates.input),
  output: rates.output === undefined || rates.output === null ? null : c(rates.output),
  cacheWrite: rates.cacheWrite === undefined || rates.cacheWrite === null ? null : c(rates.cacheWrite),
  cacheRead: rates.cacheRead === undefined || rates.cacheRead === null ? null : c(rates.cacheRead),
  providerCostInput: null,
  providerCostOutput: null,
});
const call = (rates: ModelRates, tokens: { input?: number; output?: number; cacheWrite?: number; cacheRead?: number }): PricedItemInput => ({
  kind: 'model',
  model: rates,
  inputTokens: BigInt(tokens.input ?? 0),
  outputTokens: BigInt(tokens.output ?? 0),
  cacheWriteTokens: BigInt(tokens.cacheWrite ?? 0),
  cacheReadTokens: BigInt(tokens.cacheRead ?? 0),
});

describe('priceUsage: tool calls (seed 000)', () => {
  it.each([
    [2, 1, 2],
    [1, 1, 1],
    [10, 1, 10],
    [2, 234, 468],
    [5, 89, 445],
    [0, 3, 0],
  ])('%s credits × %s executions = %s', (price, quantity, expected) => {
    expect(microToCredits(priceUsage([tool(price, quantity)], { markupBps: null }).charged)).toBe(expected);
  });
});

describe('priceUsage: model calls (seed 001)', () => {
  const sonnet = model({ input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 });
  it.each([
    ['10k in + 2k out', sonnet, { input: 10_000, output: 2_000 }, 0.06],
    ['1M in', sonnet, { input: 1_000_000 }, 3],
    ['1M out', sonnet, { output: 1_000_000 }, 15],
    ['cache write and read at their rates', sonnet, { cacheWrite: 1_000_000, cacheRead: 1_000_000 }, 4.05],
    ['rounded half-up: 0.005 → 0.01', model({ input: 5, output: 0 }), { input: 1_000 }, 0.01],
    ['rounded half-up: 0.0049 → 0', model({ input: 4.9, output: 0 }), { input: 1_000 }, 0],
    ['rounded: 0.0151 → 0.02', model({ input: 15.1, output: 0 }), { input: 1_000 }, 0.02],
    ['missing cache rates bill at the input rate', model({ input: 2, output: 10 }), { cacheWrite: 500_000, cacheRead: 500_000 }, 2],
    ['no rates → no charge', model({}), { input: 5_000_000, output: 5_000_000 }, 0],
    ['output rate only', model({ output: 8 }), { input: 1_000_000, output: 500_000 }, 4],
    ['seed 002 LLM: 0.15 in / 0.6 out per 1M', model({ input: 0.15, output: 0.6 }), { input: 1_000_000, output: 1_000_000 }, 0.75],
  ])('%s', (_name, rates, tokens, expected) => {
    const priced = priceUsage([call(rates, tokens)], { markupBps: null });
    expect(microToCredits(priced.charged)).toBe(expected);
    expect(priced.charged % 10_000n).toBe(0n);
  });

  it('rounds once per event, not per line', () => {
    // two lines of 0.004 each: per-line rounding would give 0; the event total 0.008 → 0.01
    const rates = model({ input: 4, output: 0 });
    const priced = priceUsage([call(rates, { input: 1_000 }), call(rates, { input: 1_000 })], { markupBps: null });
    expect(microToCredits(priced.charged)).toBe(0.01);
    expect(priced.subtotal + priced.markup + priced.rounding).toBe(priced.charged);
    expect(microToCredits(priced.rounding)).toBe(0.002);
  });
});

describe('priceUsage: agent runs (seed 002)', () => {
  it('0.5 + 0.1 + 0.2 = 0.8, markup 0.16, total 0.96', () => {
    const priced = priceUsage([tool(0.5), tool(0.1), tool(0.2)], { markupBps: 2000n });
    expect(microToCredits(priced.subtotal)).toBe(0.8);
    expect(microToCredits(priced.markup)).toBe(0.16);
    expect(microToCredits(priced.charged)).toBe(0.96);
    expect(priced.rounding).toBe(0n);
  });

  it.each([
    [[1], 1.2],
    [[2, 3], 6],
    [[0.01], 0.01], // 0.012 → 0.01
    [[0.03], 0.04], // 0.036 → 0.04
    [[0], 0],
  ])('lines %j with 20%% markup charge %s', (prices, expected) => {
    const priced = priceUsage(prices.map((p) => tool(p)), { markupBps: 2000n });
    expect(microToCredits(priced.charged)).toBe(expected);
    expect(priced.subtotal + priced.markup + priced.rounding).toBe(priced.charged);
  });

  it('without markup an agent field changes nothing', () => {
    expect(microToCredits(priceUsage([tool(0.5), tool(0.1), tool(0.2)], { markupBps: null }).charged)).toBe(0.8);
  });
});
