import { microToCredits, minorToMajor } from '../shared/amounts';
import type { ModelRow, PackageRow, PlanRow, ToolRow } from './catalog.queries';

/** Catalog rows as the API shows them (seed 001 names for models and plans, seed 004 for packages). */
const credits = (micro: string | null) => (micro === null ? null : microToCredits(micro));

export function toolView(row: ToolRow) {
  return { id: row.id, publisher_id: row.publisher_id, credits_per_execution: microToCredits(row.credits_per_execution), description: row.description };
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
    priced: row.credit_input_per_1m !== null || row.credit_output_per_1m !== null,
  };
  if (audience === 'customer') return view;
  return {
    ...view,
    providerCost:
      row.provider_cost_input_per_1m === null
        ? null
        : { inputPer1M: credits(row.provider_cost_input_per_1m), outputPer1M: credits(row.provider_cost_output_per_1m) },
  };
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
    agentLimit: row.agent_limit,
    rolloverFraction: Number(row.rollover_fraction),
    features: row.features,
  };
}

export function packageView(row: PackageRow) {
  return { id: row.id, amount: microToCredits(row.credits), price: minorToMajor(row.price_minor), currency: row.currency.toUpperCase() };
}
