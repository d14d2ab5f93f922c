import { priceUsage, type ModelRates, type PricedItemInput } from '../../src/pricing/compute/price-usage';
import { unitRateProblem } from '../../src/pricing/compute/model-units';
import { creditsToMicro, microToCredits } from '../../src/shared/amounts';

/** Seed 002: speech-to-text priced per audio minute, vision per image; seed 003: every token kind has a provider cost. */
const c = (credits: number) => creditsToMicro(credits);
const rates = (r: Partial<Record<'input' | 'output' | 'perMinute' | 'perImage' | 'costIn' | 'costOut' | 'costCacheWrite' | 'costCacheRead' | 'costMinute' | 'costImage', number>>): ModelRates => {
  const opt = (value: number | undefined) => (value === undefined ? null : c(value));
  return {
    name: 'm',
    provider: 'p',
    input: opt(r.input),
    output: opt(r.output),
    cacheWrite: null,
    cacheRead: null,
    perMinute: opt(r.perMinute),
    perImage: opt(r.perImage),
    providerCostInput: opt(r.costIn),
    providerCostOutput: opt(r.costOut),
    providerCostCacheWrite: opt(r.costCacheWrite),
    providerCostCacheRead: opt(r.costCacheRead),
    providerCostPerMinute: opt(r.costMinute),
    providerCostPerImage: opt(r.costImage),
  };
};
const call = (model: ModelRates, u: { input?: number; output?: number; cacheWrite?: number; cacheRead?: number; minutes?: number; images?: number }): PricedItemInput => ({
  kind: 'model',
  model,
  inputTokens: BigInt(u.input ?? 0),
  outputTokens: BigInt(u.output ?? 0),
  cacheWriteTokens: BigInt(u.cacheWrite ?? 0),
  cacheReadTokens: BigInt(u.cacheRead ?? 0),
  milliMinutes: BigInt(Math.round((u.minutes ?? 0) * 1000)),
  images: BigInt(u.images ?? 0),
});

describe('priceUsage: minutes and images (seed 002)', () => {
  it.each([
    ['12.5 minutes at 0.6/min', rates({ perMinute: 0.6 }), { minutes: 12.5 }, 7.5],
    ['0.001 minute at 1/min rounds half-up to 0', rates({ perMinute: 1 }), { minutes: 0.001 }, 0],
    ['0.005 minute at 1/min rounds half-up to 0.01', rates({ perMinute: 1 }), { minutes: 0.005 }, 0.01],
    ['1.234 minutes at 0.006/min', rates({ perMinute: 0.006 }), { minutes: 1.234 }, 0.01],
    ['3 images at 2/image', rates({ perImage: 2 }), { images: 3 }, 6],
    ['images and tokens on one model add up', rates({ input: 3, output: 15, perImage: 0.25 }), { input: 1_000_000, images: 4 }, 4],
    ['a per-minute-only model: tokens sent alongside are free (no token rates)', rates({ perMinute: 1 }), { input: 5_000_000, minutes: 2 }, 2],
    ['no rates at all: no charge', rates({}), { minutes: 10, images: 10 }, 0],
  ])('%s', (_name, model, units, expected) => {
    expect(microToCredits(priceUsage([call(model, units)], { markupBps: null }).charged)).toBe(expected);
  });

  it('markup applies to minutes and images like any line', () => {
    const priced = priceUsage([call(rates({ perMinute: 1 }), { minutes: 0.5 }), call(rates({ perImage: 0.3 }), { images: 1 })], { markupBps: 2000n });
    expect([priced.subtotal, priced.markup, priced.charged].map(microToCredits)).toEqual([0.8, 0.16, 0.96]);
  });
});

describe('priceUsage: provider cost of every unit (seed 003)', () => {
  it.each([
    ['input and output', rates({ costIn: 2, costOut: 10 }), { input: 100_000, output: 20_000 }, 0.4],
    ['cache write and read at their own costs', rates({ costIn: 2, costCacheWrite: 2.5, costCacheRead: 0.2 }), { cacheWrite: 10_000, cacheRead: 200_000 }, 0.065],
    ['cache tokens without a recorded cost cost nothing', rates({ costIn: 2 }), { cacheWrite: 1_000_000, cacheRead: 1_000_000 }, 0],
    ['per minute', rates({ costMinute: 0.006 }), { minutes: 12.5 }, 0.075],
    ['per image', rates({ costImage: 0.012 }), { images: 3 }, 0.036],
    ['rounded half-up once per line to the micro-dollar', rates({ costMinute: 0.000001 }), { minutes: 0.5 }, 0.000001],
  ])('%s', (_name, model, units, expectedUsd) => {
    expect(microToCredits(priceUsage([call(model, units)], { markupBps: null }).providerCost)).toBe(expectedUsd);
  });
});

describe('unitRateProblem', () => {
  const m = (r: Parameters<typeof rates>[0]) => rates(r);
  it.each([
    ['minutes on a per-minute model', m({ perMinute: 1 }), { milliMinutes: 1000n }, null],
    ['minutes on a token-priced model', m({ input: 3, output: 15 }), { milliMinutes: 1000n }, 'minutes'],
    ['images on a per-minute model', m({ perMinute: 1 }), { images: 1n }, 'images'],
    ['images on a per-image model', m({ perImage: 1 }), { images: 2n }, null],
    ['zero minutes and images on a token model', m({ input: 3 }), { milliMinutes: 0n, images: 0n }, null],
    ['anything on a model with no rates (no rates = no charge)', m({}), { milliMinutes: 5000n, images: 5n }, null],
  ])('%s', (_name, model, units, field) => {
    expect(unitRateProblem(model, units)?.field ?? null).toBe(field);
  });
});
