import { microToCredits, minorToMajor } from '../shared/amounts';
import { markupBpsToFraction } from '../pricing/compute/agent-markup';
import type { ModelRow, PackageRow, PlanRow, ToolRow } from './catalog.queries';
import { packageTerms } from './compute/credit-value';
import { DEFAULT_MAX_TOOL_PRICE_MICRO, DEFAULT_MIN_TOOL_PRICE_MICRO } from './compute/tool-price-bounds';

/** Catalog rows as the API shows them (seed 001 names for models and plans, seed 004 for packages). */
const credits = (micro: string | null) => (micro === null ? null : microToCredits(micro));

export function toolView(row: ToolRow) {
  return {
    id: row.id,
    publisher_id: row.publisher_id,
    credits_per_execution: microToCredits(row.credits_per_execution),
    description: row.description,
    demo: row.demo,
    min_credits_per_execution: microToCredits(row.min_credits_per_execution ?? DEFAULT_MIN_TOOL_PRICE_MICRO),
    max_credits_per_execution: microToCredits(row.max_credits_per_execution ?? DEFAULT_MAX_TOOL_PRICE_MICRO),
  };
}

/**
 * Who is looking: provider costs are the operator's margins (seed 003), so a customer's view of a
 * model or of its usage leaves them out.
 */
export type Audience = 'operator' | 'customer';

export function modelView(row: ModelRow, audience: Audience = 'customer') {
  const view = {
    name: row.name,
    provider: row.provider,
    aliases: row.aliases,
    creditInputPer1M: credits(row.credit_input_per_1m),
    creditOutputPer1M: credits(row.credit_output_per_1m),
    creditCachedInputPer1M: credits(row.credit_cache_read_per_1m),
    creditCacheReadPer1M: credits(row.credit_cache_read_per_1m),
    creditCacheWritePer1M: credits(row.credit_cache_write_per_1m),
    creditPerMinute: credits(row.credit_per_minute ?? null),
    creditPerImage: credits(row.credit_per_image ?? null),
    priced: row.credit_input_per_1m !== null || row.credit_output_per_1m !== null || row.credit_per_minute != null || row.credit_per_image != null,
    demo: row.demo,
  };
  if (audience === 'customer') return view;
  return {
    ...view,
    providerCost:
      row.provider_cost_input_per_1m === null && row.provider_cost_per_minute == null && row.provider_cost_per_image == null
        ? null
        : { inputPer1M: credits(row.provider_cost_input_per_1m), outputPer1M: credits(row.provider_cost_output_per_1m), ...unitCostsView(row) },
  };
}

/** The provider costs added by issue 15, each shown only when recorded (older clients see the shape they knew). */
function unitCostsView(row: ModelRow) {
  const fields = {
    cacheWritePer1M: row.provider_cost_cache_write_per_1m,
    cacheReadPer1M: row.provider_cost_cache_read_per_1m,
    perMinute: row.provider_cost_per_minute,
    perImage: row.provider_cost_per_image,
  };
  return Object.fromEntries(Object.entries(fields).flatMap(([name, micro]) => (micro == null ? [] : [[name, microToCredits(micro)]])));
}

export function planView(row: PlanRow) {
  return {
    id: row.id,
    name: row.name,
    monthlyPrice: minorToMajor(row.monthly_price_minor),
    currency: row.currency,
    creditsIncluded: microToCredits(row.included_credits_micro),
    tokensIncluded: Number(row.included_tokens),
    overageAllowed: row.overage_allowed,
    overagePricePerCredit: minorToMajor(row.overage_price_minor_per_credit),
    tokenOveragePricePerMillion: minorToMajor(row.overage_price_minor_per_million_tokens ?? '0'),
    agentLimit: row.agent_limit,
    rolloverFraction: Number(row.rollover_fraction),
    agentMarkup: markupBpsToFraction(row.agent_markup_bps ?? 2000),
    features: row.features,
  };
}

/**
 * Seed 004's package: `amount` is the credit value (credits × the credit unit price), `price` what
 * is paid, `credits` what is granted; `discount_percent` is how far the price is below the value.
 */
export function packageView(row: PackageRow, creditPriceMicroMinor: bigint) {
  const terms = packageTerms(BigInt(row.credits), BigInt(row.price_minor), creditPriceMicroMinor);
  return {
    id: row.id,
    amount: Number(terms.amount),
    price: minorToMajor(row.price_minor),
    currency: row.currency.toUpperCase(),
    credits: microToCredits(row.credits),
    discount_percent: Number(terms.discountPercent),
  };
}
