/**
 * Models metered in units other than tokens (seed 002): speech-to-text per audio minute, vision
 * per image. Pure; price-usage.ts adds these to a model line's token charge.
 *
 * Minutes arrive with up to 3 decimals and are carried as thousandths of a minute, so a line's
 * exact value stays an integer: milli-minutes × micro-credits per minute / 1,000.
 */
export const MILLI_PER_MINUTE = 1000n;

/** Per-unit rates of a model; absent or null = not priced (or no provider cost recorded) in that unit. */
export interface ModelUnitRates {
  perMinute?: bigint | null; // micro-credits per minute of audio
  perImage?: bigint | null; // micro-credits per image
  providerCostPerMinute?: bigint | null; // micro-USD
  providerCostPerImage?: bigint | null; // micro-USD
}

/** What a model call meters besides tokens; absent = 0. */
export interface ModelUnits {
  milliMinutes?: bigint;
  images?: bigint;
}

/** The unit charge of one call in micro-credits × 1,000 (exact: divide by 1,000 for micro-credits). */
export function unitChargeMilliMicro(rates: ModelUnitRates, units: ModelUnits): bigint {
  return (units.milliMinutes ?? 0n) * (rates.perMinute ?? 0n) + (units.images ?? 0n) * (rates.perImage ?? 0n) * MILLI_PER_MINUTE;
}

/** The provider cost of one call's units in micro-USD × 1,000 (same scale as unitChargeMilliMicro). */
export function unitCostMilliMicro(rates: ModelUnitRates, units: ModelUnits): bigint {
  return (units.milliMinutes ?? 0n) * (rates.providerCostPerMinute ?? 0n) + (units.images ?? 0n) * (rates.providerCostPerImage ?? 0n) * MILLI_PER_MINUTE;
}

/**
 * Why a call may not be priced, naming the field, or null. A model with no rate at all is free
 * (seed 001: "no rates = no charge"); a priced model sent a unit it has no rate for is refused
 * rather than charged nothing for it, so a catalog gap never turns into free audio or images.
 */
export function unitRateProblem(
  model: ModelUnitRates & { name: string; input: bigint | null; output: bigint | null },
  units: ModelUnits,
): { field: 'minutes' | 'images'; message: string } | null {
  const priced = model.input !== null || model.output !== null || (model.perMinute ?? null) !== null || (model.perImage ?? null) !== null;
  if (!priced) return null;
  if ((units.milliMinutes ?? 0n) > 0n && (model.perMinute ?? null) === null) {
    return { field: 'minutes', message: `model '${model.name}' is not priced per minute; set creditPerMinute with PUT /v1/admin/models/${model.name}` };
  }
  if ((units.images ?? 0n) > 0n && (model.perImage ?? null) === null) {
    return { field: 'images', message: `model '${model.name}' is not priced per image; set creditPerImage with PUT /v1/admin/models/${model.name}` };
  }
  return null;
}
