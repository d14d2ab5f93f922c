import type { Audience } from '../catalog/catalog-views';

/** The operator-only field of a usage line: what the model's provider charged, in USD. */
const PROVIDER_COST_FIELD = 'provider_cost_usd';

/**
 * A usage event's lines as `audience` may see them. Lines are built with their provider cost
 * (usage-breakdown.ts, the one formatting for answers and reads), so a customer's copy is made
 * without it at read time.
 */
export function breakdownFor(lines: unknown[], audience: Audience): unknown[] {
  if (audience === 'operator') return lines;
  return lines.map((line) => {
    if (!line || typeof line !== 'object' || !(PROVIDER_COST_FIELD in line)) return line;
    const { [PROVIDER_COST_FIELD]: _omitted, ...rest } = line as Record<string, unknown>;
    return rest;
  });
}
