import type { PricedItemInput, PricedUsage } from '../pricing/compute/price-usage';

/**
 * What a usage debit records, typed. The record is the debit's credits ledger entry
 * (`settle_debit_batch`, migrations/sql/settle-debit-one-row.ts): its usage columns and its priced
 * lines, which the `usage_events` and `usage_items` views read back in their row shapes. The
 * function reads these objects by key name (a misspelt key would store null): these types and the
 * mappers below, the only producers, are what keeps the names right. Integers are bigint; JSON
 * carries them as strings.
 */

/** The usage columns of the entry. Its id (the entry's reference), account, time and charge are the entry's own. */
export interface UsageColumns {
  agent: string | null;
  task_id: string | null;
  markup: bigint;
  rounding: bigint;
  provider_cost: bigint;
  input_tokens: bigint;
  output_tokens: bigint;
  cache_write_tokens: bigint;
  cache_read_tokens: bigint;
  /** the agent markup asked, in basis points; null without one. The breakdown is not stored: readers rebuild it from this and the lines (usage-breakdown.ts). */
  markup_bps: number | null;
}

/** A priced line as the usage_items view answers it (without the event's columns it repeats). */
export interface UsageLineRow {
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

/**
 * A line as stored in the entry's `lines`: only the keys whose value differs from the default the
 * usage_items view fills in (quantity 1, every other number 0, absent names null; the kind is
 * `tool` when a tool is named). A tool call's line is `{tool, credits}`.
 */
export type StoredUsageLine = Partial<Omit<UsageLineRow, 'kind' | 'credits'>> & { credits: bigint };

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
export function modelTokensOf(event: UsageColumns): bigint {
  return event.input_tokens + event.output_tokens + event.cache_write_tokens + event.cache_read_tokens;
}

/** The entry's usage columns: totals of the event, its tokens summed over model lines, and the markup rate its breakdown shows. */
export function usageColumns(event: UsageFacts & { resolved: PricedItemInput[]; markupBps: bigint | null }): UsageColumns {
  const { priced } = event;
  return {
    agent: event.agent,
    task_id: event.taskId,
    markup: priced.markup,
    rounding: priced.rounding,
    provider_cost: priced.providerCost,
    input_tokens: sumTokens(event.resolved, (m) => m.inputTokens),
    output_tokens: sumTokens(event.resolved, (m) => m.outputTokens),
    cache_write_tokens: sumTokens(event.resolved, (m) => m.cacheWriteTokens),
    cache_read_tokens: sumTokens(event.resolved, (m) => m.cacheReadTokens),
    markup_bps: event.markupBps === null ? null : Number(event.markupBps),
  };
}

/** The priced lines in request order, as the usage_items view answers them. */
export function usageLineRows(event: UsageFacts): UsageLineRow[] {
  return event.priced.lines.map(({ input: item, credits, providerCost }) => ({
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

const DEFAULT_OF: Partial<Record<keyof UsageLineRow, bigint | null>> = { quantity: 1n };

/** A line as stored: its non-default keys (StoredUsageLine). */
export function storedLine(row: UsageLineRow): StoredUsageLine {
  const stored: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row) as Array<[keyof UsageLineRow, UsageLineRow[keyof UsageLineRow]]>) {
    if (key === 'kind') continue;
    const fallback = key in DEFAULT_OF ? DEFAULT_OF[key] : typeof value === 'bigint' ? 0n : null;
    if (key === 'credits' || value !== fallback) stored[key] = value;
  }
  return stored as StoredUsageLine;
}
