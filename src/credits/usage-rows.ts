import type { PricedItemInput, PricedUsage } from '../pricing/compute/price-usage';

/**
 * The rows a usage debit records, typed per table. `settle_debit_batch` inserts them with
 * `jsonb_populate_record(null::usage_events, …)`, which matches keys to column names and would
 * store NULL for a misspelt key: these types (and the mappers below, the only producers) are what
 * keeps the names right. Columns the function fills in itself (ledger_entry_id, overage,
 * balance_after, created_at) are absent. Integers are bigint; JSON carries them as strings.
 */
export interface UsageEventInsert {
  id: string;
  account_id: string;
  agent: string | null;
  task_id: string | null;
  credits_charged: bigint;
  markup: bigint;
  rounding: bigint;
  provider_cost: bigint;
  input_tokens: bigint;
  output_tokens: bigint;
  cache_write_tokens: bigint;
  cache_read_tokens: bigint;
  /** the agent markup asked, in basis points; null without one. The breakdown is not stored: readers rebuild it from this and the items (usage-breakdown.ts). */
  markup_bps: number | null;
  occurred_at: string;
}

export interface UsageItemInsert {
  usage_event_id: string;
  position: number;
  account_id: string;
  occurred_at: string;
  agent: string | null;
  kind: 'tool' | 'model';
  tool: string | null;
  publisher_id: string | null;
  model: string | null;
  provider: string | null;
  quantity: bigint;
  input_tokens: bigint;
  output_tokens: bigint;
  cache_write_tokens: bigint;
  cache_read_tokens: bigint;
  milli_minutes: bigint;
  images: bigint;
  credits: bigint;
  provider_cost: bigint;
}

export interface UsageFacts {
  eventId: string;
  accountId: string;
  agent: string | null;
  taskId: string | null;
  at: Date;
  priced: PricedUsage;
}

type ModelLine = Extract<PricedItemInput, { kind: 'model' }>;

/** Σ of one token kind over the model lines. */
function sumTokens(resolved: PricedItemInput[], pick: (model: ModelLine) => bigint): bigint {
  return resolved.reduce((sum, item) => sum + (item.kind === 'model' ? pick(item) : 0n), 0n);
}

/** Every token of the event, all four kinds (summed over its model lines): what a plan's monthly token allowance counts. */
export function modelTokensOf(event: UsageEventInsert): bigint {
  return event.input_tokens + event.output_tokens + event.cache_write_tokens + event.cache_read_tokens;
}

/** The usage_events row: totals of the event, its tokens summed over model lines, and the markup rate its breakdown shows. */
export function usageEventRow(event: UsageFacts & { resolved: PricedItemInput[]; markupBps: bigint | null }): UsageEventInsert {
  const { priced } = event;
  return {
    id: event.eventId,
    account_id: event.accountId,
    agent: event.agent,
    task_id: event.taskId,
    credits_charged: priced.charged,
    markup: priced.markup,
    rounding: priced.rounding,
    provider_cost: priced.providerCost,
    input_tokens: sumTokens(event.resolved, (m) => m.inputTokens),
    output_tokens: sumTokens(event.resolved, (m) => m.outputTokens),
    cache_write_tokens: sumTokens(event.resolved, (m) => m.cacheWriteTokens),
    cache_read_tokens: sumTokens(event.resolved, (m) => m.cacheReadTokens),
    markup_bps: event.markupBps === null ? null : Number(event.markupBps),
    occurred_at: event.at.toISOString(),
  };
}

/** The usage_items rows, one per priced line in request order, that usage reports group. */
export function usageItemRows(event: UsageFacts): UsageItemInsert[] {
  return event.priced.lines.map(({ input: item, credits, providerCost }, position) => ({
    usage_event_id: event.eventId,
    position,
    account_id: event.accountId,
    occurred_at: event.at.toISOString(),
    agent: event.agent,
    kind: item.kind,
    tool: item.kind === 'tool' ? item.tool : null,
    publisher_id: item.kind === 'tool' ? item.publisherId : null,
    model: item.kind === 'model' ? item.model.name : null,
    provider: item.kind === 'model' ? item.model.provider : null,
    quantity: item.kind === 'tool' ? item.quantity : 1n,
    input_tokens: item.kind === 'model' ? item.inputTokens : 0n,
    output_tokens: item.kind === 'model' ? item.outputTokens : 0n,
    cache_write_tokens: item.kind === 'model' ? item.cacheWriteTokens : 0n,
    cache_read_tokens: item.kind === 'model' ? item.cacheReadTokens : 0n,
    milli_minutes: item.kind === 'model' ? (item.milliMinutes ?? 0n) : 0n,
    images: item.kind === 'model' ? (item.images ?? 0n) : 0n,
    credits,
    provider_cost: providerCost,
  }));
}
