import type { PricedUsage } from '../pricing/compute/price-usage';
import { microToCredits } from '../shared/amounts';
import { inJsonbKeyOrder } from '../shared/jsonb-order';

/**
 * A usage event's breakdown: the lines answered to the client when it was recorded. They are
 * stored once, as usage_items rows plus the event's markup_bps, markup and rounding (and, for a
 * capped hold capture, the hold's uncaptured amount); every reader rebuilds the same lines with
 * `breakdownFromRows`. Both paths go through `formatBreakdown`, so the answer at recording and
 * every later read (replays included) are byte-identical, key order too.
 */

/** One priced line, whatever it was read from. Amounts in micro-credits (provider cost in micro-USD). */
export type BreakdownLine =
  | { kind: 'tool'; tool: string; quantity: bigint; creditsPerExecution: bigint; credits: bigint }
  | {
      kind: 'model';
      model: string;
      provider: string;
      inputTokens: bigint;
      outputTokens: bigint;
      cacheWriteTokens: bigint;
      cacheReadTokens: bigint;
      milliMinutes: bigint;
      images: bigint;
      credits: bigint;
      providerCost: bigint;
    };

/** The event-level lines: markup (when an agent markup was asked, even at 0%), rounding, uncaptured. */
export interface BreakdownTotals {
  markupBps: bigint | null;
  markup: bigint;
  rounding: bigint;
  /** what a capped hold capture left uncharged; 0 otherwise */
  uncaptured: bigint;
}

export const UNCAPTURED_DESCRIPTION = 'Beyond the hold and the balance on a plan without overage: not charged';

function lineView(line: BreakdownLine): Record<string, unknown> {
  if (line.kind === 'tool') {
    return { type: 'tool', tool: line.tool, quantity: Number(line.quantity), credits_per_execution: microToCredits(line.creditsPerExecution), credits: microToCredits(line.credits) };
  }
  return {
    type: 'model',
    model: line.model,
    provider: line.provider,
    input_tokens: Number(line.inputTokens),
    output_tokens: Number(line.outputTokens),
    cache_write_tokens: Number(line.cacheWriteTokens),
    cache_read_tokens: Number(line.cacheReadTokens),
    // only when metered, so token-only lines keep the shape they always had
    ...(line.milliMinutes !== 0n ? { minutes: Number(line.milliMinutes) / 1000 } : {}),
    ...(line.images !== 0n ? { images: Number(line.images) } : {}),
    credits: microToCredits(line.credits),
    provider_cost_usd: microToCredits(line.providerCost),
  };
}

/** The `uncaptured` line of a capped hold capture (settle_capture_batch decides the amount). */
export function uncapturedLine(uncaptured: bigint): Record<string, unknown> {
  return inJsonbKeyOrder({ type: 'uncaptured', description: UNCAPTURED_DESCRIPTION, credits: -microToCredits(uncaptured) });
}

/** The lines in answer order, keys in jsonb order (the order answers have always had). */
export function formatBreakdown(lines: BreakdownLine[], totals: BreakdownTotals): unknown[] {
  const views: unknown[] = lines.map(lineView);
  if (totals.markupBps !== null) views.push({ type: 'markup', description: `Agent markup (${Number(totals.markupBps) / 100}%)`, credits: microToCredits(totals.markup) });
  if (totals.rounding !== 0n) views.push({ type: 'rounding', description: 'Rounded to 0.01 credit (half-up)', credits: microToCredits(totals.rounding) });
  if (totals.uncaptured > 0n) views.push(uncapturedLine(totals.uncaptured));
  return inJsonbKeyOrder(views);
}

/** The lines answered to the client when the usage is recorded (a capped capture appends its `uncapturedLine`). */
export function breakdownOf(priced: PricedUsage, markupBps: bigint | null): unknown[] {
  const lines = priced.lines.map(({ input, credits, providerCost }): BreakdownLine =>
    input.kind === 'tool'
      ? { kind: 'tool', tool: input.tool, quantity: input.quantity, creditsPerExecution: input.creditsPerExecution, credits }
      : {
          kind: 'model',
          model: input.model.name,
          provider: input.model.provider,
          inputTokens: input.inputTokens,
          outputTokens: input.outputTokens,
          cacheWriteTokens: input.cacheWriteTokens,
          cacheReadTokens: input.cacheReadTokens,
          milliMinutes: input.milliMinutes ?? 0n,
          images: input.images ?? 0n,
          credits,
          providerCost,
        },
  );
  return formatBreakdown(lines, { markupBps, markup: priced.markup, rounding: priced.rounding, uncaptured: 0n });
}

/** What breakdownFromRows reads of a usage_events row (bigints as PostgreSQL returns them). */
export interface BreakdownEventRow {
  markup_bps: number | null;
  markup: bigint | string;
  rounding: bigint | string;
}

/** What breakdownFromRows reads of a usage_items row; the unit columns are null on lines recorded before them. */
export interface BreakdownItemRow {
  position: number;
  kind: string;
  tool: string | null;
  model: string | null;
  provider: string | null;
  quantity: bigint | string;
  input_tokens: bigint | string;
  output_tokens: bigint | string;
  cache_write_tokens: bigint | string;
  cache_read_tokens: bigint | string;
  milli_minutes: bigint | string | null;
  images: bigint | string | null;
  credits: bigint | string;
  provider_cost: bigint | string;
}

function lineOfRow(item: BreakdownItemRow): BreakdownLine {
  const credits = BigInt(item.credits);
  if (item.kind === 'tool') {
    // a tool line is price × quantity exactly (quantity ≥ 1), so the price divides back out exactly
    const quantity = BigInt(item.quantity);
    return { kind: 'tool', tool: item.tool!, quantity, creditsPerExecution: credits / quantity, credits };
  }
  return {
    kind: 'model',
    model: item.model!,
    provider: item.provider!,
    inputTokens: BigInt(item.input_tokens),
    outputTokens: BigInt(item.output_tokens),
    cacheWriteTokens: BigInt(item.cache_write_tokens),
    cacheReadTokens: BigInt(item.cache_read_tokens),
    milliMinutes: BigInt(item.milli_minutes ?? 0),
    images: BigInt(item.images ?? 0),
    credits,
    providerCost: BigInt(item.provider_cost),
  };
}

/**
 * The stored breakdown of one event, rebuilt from its rows: exactly what `breakdownOf` answered
 * when it was recorded (plus the uncaptured line of a capped capture, from its hold).
 */
export function breakdownFromRows(event: BreakdownEventRow, items: BreakdownItemRow[], extras: { uncaptured: bigint }): unknown[] {
  const lines = [...items].sort((a, b) => a.position - b.position).map(lineOfRow);
  const markupBps = event.markup_bps === null ? null : BigInt(event.markup_bps);
  return formatBreakdown(lines, { markupBps, markup: BigInt(event.markup), rounding: BigInt(event.rounding), uncaptured: extras.uncaptured });
}
