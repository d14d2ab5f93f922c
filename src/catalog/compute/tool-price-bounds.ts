import { MICRO } from '../../shared/amounts';

/** Seed 000: a tool execution costs 1 to 10 credits. The range a publisher prices in unless an admin set another. */
export const DEFAULT_MIN_TOOL_PRICE_MICRO = 1n * MICRO;
export const DEFAULT_MAX_TOOL_PRICE_MICRO = 10n * MICRO;

export interface ToolPriceBounds {
  min: bigint | null;
  max: bigint | null;
}

export type PublisherPriceCheck = { kind: 'ok' } | { kind: 'below_min'; min: bigint } | { kind: 'above_max'; max: bigint };

/** May a publisher set this price (micro-credits)? Bounds are inclusive; null bounds are seed 000's. */
export function checkPublisherPrice(price: bigint, bounds: ToolPriceBounds): PublisherPriceCheck {
  const min = bounds.min ?? DEFAULT_MIN_TOOL_PRICE_MICRO;
  const max = bounds.max ?? DEFAULT_MAX_TOOL_PRICE_MICRO;
  if (price < min) return { kind: 'below_min', min };
  if (price > max) return { kind: 'above_max', max };
  return { kind: 'ok' };
}
