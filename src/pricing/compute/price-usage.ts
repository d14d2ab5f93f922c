import { divideRoundHalfUp } from '../../shared/amounts';
import { MILLI_PER_MINUTE, unitChargeMilliMicro, unitCostMilliMicro, type ModelUnitRates, type ModelUnits } from './model-units';

/**
 * Prices one metered request (seeds 000, 001, 002). Pure: the catalog entries are passed in.
 *
 * - Tool: the publisher-set price per execution × quantity (seed 000).
 * - Model: Σ tokens/1M × rate per kind; a missing cache rate bills those tokens at the input
 *   rate; a model with neither input nor output rate charges nothing for tokens (seed 001).
 *   Plus minutes × rate per minute and images × rate per image (seed 002; model-units.ts).
 * - Agent run: subtotal + markup (the plan's or account's, 20% by default) shown as its own line (seed 002).
 * - Rounding happens once per event: the exact total is rounded half-up to 0.01 credit, and the
 *   difference is reported as `rounding` so lines + markup + rounding = charged, exactly.
 *
 * Internally amounts are in "pico-credits × 10,000" (1 credit = 10^16) so every line, and the
 * markup in basis points, is an exact integer.
 */
export interface ToolPrice {
  kind: 'tool';
  tool: string;
  publisherId: string | null;
  creditsPerExecution: bigint; // micro-credits
  quantity: bigint;
}

/** A model's rates; the optional per-unit rates (model-units.ts) are absent for token-only models. */
export interface ModelRates extends ModelUnitRates {
  name: string;
  provider: string;
  input: bigint | null; // micro-credits per 1M tokens
  output: bigint | null;
  cacheWrite: bigint | null;
  cacheRead: bigint | null;
  providerCostInput: bigint | null; // micro-USD per 1M tokens
  providerCostOutput: bigint | null;
  providerCostCacheWrite?: bigint | null; // null or absent = no cost recorded
  providerCostCacheRead?: bigint | null;
}

export interface ModelCall extends ModelUnits {
  kind: 'model';
  model: ModelRates;
  inputTokens: bigint;
  outputTokens: bigint;
  cacheWriteTokens: bigint;
  cacheReadTokens: bigint;
}

export type PricedItemInput = ToolPrice | ModelCall;

export interface PricedLine {
  input: PricedItemInput;
  /** this line exactly, in micro-credits rounded half-up (display only; the total is exact) */
  credits: bigint;
  providerCost: bigint; // micro-USD, rounded half-up
}

export interface PricedUsage {
  lines: PricedLine[];
  subtotal: bigint; // micro-credits, display (half-up of the exact subtotal)
  markup: bigint; // micro-credits, display
  rounding: bigint; // micro-credits: charged − subtotal − markup
  charged: bigint; // micro-credits, a multiple of 10,000 (0.01 credit)
  providerCost: bigint; // micro-USD
}

const EXACT_PER_MICRO = 10n ** 10n; // exact unit = micro-credit / 10^10 (pico-credit × 10^4)
const PER_MILLION = 1_000_000n;
const BPS = 10_000n;
export const CHARGE_STEP_MICRO = 10_000n; // 0.01 credit
export const DEFAULT_AGENT_MARKUP_BPS = 2000n;

/** Exact value of one line in exact units (micro-credits × 10^10). */
function exactLine(item: PricedItemInput): bigint {
  if (item.kind === 'tool') return item.creditsPerExecution * item.quantity * EXACT_PER_MICRO;
  const { model } = item;
  // milli-units × micro-credits / 1,000 = micro-credits; × 10^10 for exact units (divides exactly)
  const units = (unitChargeMilliMicro(model, item) * EXACT_PER_MICRO) / MILLI_PER_MINUTE;
  if (model.input === null && model.output === null) return units; // "no rates = no charge" for tokens
  const input = model.input ?? 0n;
  const tokensTimesRate =
    item.inputTokens * input +
    item.outputTokens * (model.output ?? 0n) +
    item.cacheWriteTokens * (model.cacheWrite ?? input) +
    item.cacheReadTokens * (model.cacheRead ?? input);
  // tokens × micro-credits per 1M tokens / 1M = micro-credits; × 10^10 for exact units
  return (tokensTimesRate * EXACT_PER_MICRO) / PER_MILLION + units; // 10^10 / 10^6 divides exactly
}

function providerCostOf(item: PricedItemInput): bigint {
  if (item.kind === 'tool') return 0n;
  const { model } = item;
  // micro-USD × 10^6 for tokens (rates are per 1M); the units' micro-USD × 1,000 scaled to match
  const cost =
    item.inputTokens * (model.providerCostInput ?? 0n) +
    item.outputTokens * (model.providerCostOutput ?? 0n) +
    item.cacheWriteTokens * (model.providerCostCacheWrite ?? 0n) +
    item.cacheReadTokens * (model.providerCostCacheRead ?? 0n) +
    unitCostMilliMicro(model, item) * (PER_MILLION / MILLI_PER_MINUTE);
  return divideRoundHalfUp(cost, PER_MILLION);
}

export function priceUsage(items: PricedItemInput[], options: { markupBps: bigint | null }): PricedUsage {
  const exact = items.map(exactLine);
  const subtotalExact = exact.reduce((a, b) => a + b, 0n);
  const markupExactTimesBps = subtotalExact * (options.markupBps ?? 0n); // exact × 10^4
  const totalExactTimesBps = subtotalExact * BPS + markupExactTimesBps;
  const charged = divideRoundHalfUp(totalExactTimesBps, EXACT_PER_MICRO * CHARGE_STEP_MICRO * BPS) * CHARGE_STEP_MICRO;
  const subtotal = divideRoundHalfUp(subtotalExact, EXACT_PER_MICRO);
  const markup = divideRoundHalfUp(markupExactTimesBps, EXACT_PER_MICRO * BPS);
  const lines = items.map((input, index) => ({
    input,
    credits: divideRoundHalfUp(exact[index]!, EXACT_PER_MICRO),
    providerCost: providerCostOf(input),
  }));
  return {
    lines,
    subtotal,
    markup,
    rounding: charged - subtotal - markup,
    charged,
    providerCost: lines.reduce((sum, line) => sum + line.providerCost, 0n),
  };
}
