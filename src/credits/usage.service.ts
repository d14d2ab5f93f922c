import type { Knex } from 'knex';
import { catalogCache } from '../catalog/catalog-cache';
import { priceUsage, DEFAULT_AGENT_MARKUP_BPS, type PricedItemInput, type PricedUsage } from '../pricing/compute/price-usage';
import { usageBoundViolation } from '../pricing/compute/bounds';
import { decimalToScaled, microToCredits } from '../shared/amounts';
import { unitRateProblem } from '../pricing/compute/model-units';
import { agentMarkupBpsOf } from '../pricing/agent-markup.queries';
import { taskTotalThrough } from '../tasks/tasks.queries';
import { NotFoundError, ValidationError } from '../shared/errors';
import { newId } from '../shared/ids';
import { AgentLimitError, ClosedPeriodError, InsufficientCreditsError } from './credits-errors';
import type { Db } from '../db/knex';
import type { DebitOutcome, DebitRequest } from './debit';
import { debit } from './debit-batcher';
import { checkReplay } from './ledger.service';
import { findUsageEventByEntry, storedBreakdownOf, type UsageEventRow } from './usage.queries';
import { accrualsFor } from './publisher-accruals';
import type { CreditPricing } from '../payouts/payout-config';
import { breakdownFor } from './provider-costs';
import { breakdownOf } from './usage-breakdown';
import { modelTokensOf, storedLine, usageColumns, usageLineRows } from './usage-rows';

export type UsageItemInput =
  | { type: 'tool'; tool: string; quantity: number }
  | { type: 'model'; model: string; input_tokens: number; output_tokens: number; cache_write_tokens: number; cache_read_tokens: number; minutes?: number; images?: number };

export interface UsageInput {
  accountId: string;
  idempotencyKey: string;
  requestHash: string;
  agent: string | null;
  taskId: string | null;
  timestamp: Date | null;
  markup: 'agent' | null;
  items: UsageItemInput[];
  purchaseUrl?: string;
  /** What a credit is worth, valuing publisher accruals: `creditPricing(config)` of the caller's parsed Config. */
  creditPricing: CreditPricing;
}

const FUTURE_SKEW_MS = 5 * 60 * 1000;

async function resolveItems(db: Knex, items: UsageItemInput[]): Promise<PricedItemInput[]> {
  const tools = items.flatMap((item) => (item.type === 'tool' ? [item.tool] : []));
  const models = items.flatMap((item) => (item.type === 'model' ? [item.model] : []));
  const catalog = await catalogCache(db).getKnowing(tools, models);
  return items.map((item, index) => {
    if (item.type === 'tool') {
      const tool = catalog.tools.get(item.tool);
      if (!tool) throw new ValidationError(`Unknown tool '${item.tool}'; register it with PUT /v1/admin/tools/${item.tool}`, { field: `items.${index}.tool` });
      return { kind: 'tool', tool: tool.id, publisherId: tool.publisherId, creditsPerExecution: tool.creditsPerExecution, quantity: BigInt(item.quantity) };
    }
    const model = catalog.models.get(item.model);
    if (!model) throw new ValidationError(`Unknown model '${item.model}'; register it with PUT /v1/admin/models/${item.model}`, { field: `items.${index}.model` });
    // audio minutes (up to 3 decimals, checked at the edge) and images (issue 15, seed 002)
    const units = { milliMinutes: decimalToScaled(String(item.minutes ?? 0), 3), images: BigInt(item.images ?? 0) };
    const unitProblem = unitRateProblem(model, units);
    if (unitProblem) throw new ValidationError(`Invalid body field 'items.${index}.${unitProblem.field}': ${unitProblem.message}`, { field: `items.${index}.${unitProblem.field}` });
    return {
      kind: 'model',
      model,
      inputTokens: BigInt(item.input_tokens),
      outputTokens: BigInt(item.output_tokens),
      cacheWriteTokens: BigInt(item.cache_write_tokens),
      cacheReadTokens: BigInt(item.cache_read_tokens),
      ...units,
    };
  });
}

type UsageResponseSource = Pick<UsageEventRow, 'id' | 'ledger_entry_id' | 'agent' | 'task_id' | 'occurred_at'> &
  Record<'credits_charged' | 'markup' | 'overage' | 'balance_after', bigint | string> & { breakdown: unknown[] };

/** The answer to POST /v1/usage; only account keys call it, so provider costs are left out. */
export function usageResponse(event: UsageResponseSource) {
  return {
    id: event.id,
    credits_used: microToCredits(event.credits_charged),
    balance_after: microToCredits(event.balance_after),
    breakdown: breakdownFor(event.breakdown, 'customer'),
    markup_credits: microToCredits(event.markup),
    overage_credits: microToCredits(event.overage),
    agent: event.agent,
    task_id: event.task_id,
    timestamp: new Date(event.occurred_at).toISOString(),
    transaction_id: event.ledger_entry_id,
  };
}

/**
 * Items priced exactly as POST /v1/usage charges them (holds estimate their credits with it too).
 * An agent run carries the account's markup (its plan's unless overridden); without an account
 * the default 20% applies.
 */
export async function priceUsageItems(db: Knex, items: UsageItemInput[], markup: 'agent' | null, accountId?: string) {
  const resolved = await resolveItems(db, items);
  const accountBps = markup === 'agent' && accountId !== undefined ? await agentMarkupBpsOf(db, accountId) : null;
  const markupBps = markup === 'agent' ? (accountBps ?? DEFAULT_AGENT_MARKUP_BPS) : null;
  const priced = priceUsage(resolved, { markupBps });
  const beyondBounds = usageBoundViolation(priced);
  if (beyondBounds) throw new ValidationError(`Invalid body field '${beyondBounds.field}': ${beyondBounds.message}`, { field: beyondBounds.field });
  return { resolved, markupBps, priced };
}

/**
 * A usage event priced and ready to debit. POST /v1/usage debits it through the batcher; a hold
 * capture (src/holds/capture-hold.ts) debits it inside its own transaction, having possibly
 * lowered `request.amount` (answers show what the request charges, not the priced total).
 */
export interface PreparedUsage {
  priced: PricedUsage;
  eventId: string;
  entryId: string;
  at: Date;
  breakdown: unknown[];
  request: DebitRequest;
}

/** POST /v1/usage: price server-side, debit in one database call, answer line by line. */
export async function recordUsage(db: Knex, input: UsageInput): Promise<{ replayed: boolean; body: ReturnType<typeof usageResponse> & { task_total_credits?: number } }> {
  const prepared = await prepareUsage(db, input);
  const answer = await answerUsage(db, input, prepared, await debit(db, prepared.request));
  if (input.taskId === null) return answer;
  // Seed 002's running total, summed after the debit over the task's events up to this one in
  // ledger order: a replay answers the same total, and concurrent events of a task each see theirs.
  const total = await taskTotalThrough(db, input.accountId, input.taskId, answer.body.transaction_id);
  return { ...answer, body: { ...answer.body, task_total_credits: microToCredits(total) } };
}

export async function prepareUsage(db: Knex, input: UsageInput): Promise<PreparedUsage> {
  const at = eventTimeOf(input.timestamp, new Date());
  const { resolved, markupBps, priced } = await priceUsageItems(db, input.items, input.markup, input.accountId);
  const eventId = newId('use');
  const entryId = newId('txn');
  const breakdown = breakdownOf(priced, markupBps);
  const facts = { eventId, accountId: input.accountId, agent: input.agent, taskId: input.taskId, at, priced };
  const usage = usageColumns({ ...facts, resolved, markupBps });
  const request: DebitRequest = {
    accountId: input.accountId,
    unit: 'credits',
    amount: priced.charged,
    idempotencyKey: input.idempotencyKey,
    requestHash: input.requestHash,
    type: 'usage',
    description: input.agent ? `Usage by agent ${input.agent}` : 'Usage',
    reference: eventId,
    at,
    entryId,
    agent: input.agent,
    usage,
    lines: usageLineRows(facts).map(storedLine),
    accruals: await accrualsFor(db, { accountId: input.accountId, usageEventId: eventId, at, priced }, input.creditPricing),
  };
  const tokens = modelTokensOf(usage);
  if (tokens > 0n) request.modelTokens = { amount: tokens, entryId: newId('txn') };
  return { priced, eventId, entryId, at, breakdown, request };
}

/** When the usage happened: the client's timestamp (late usage is fine, a few minutes ahead too), or now. */
function eventTimeOf(timestamp: Date | null, now: Date): Date {
  if (timestamp && timestamp.getTime() > now.getTime() + FUTURE_SKEW_MS) {
    throw new ValidationError('timestamp is in the future', { field: 'timestamp' });
  }
  return timestamp ?? now;
}

/** The answer to a prepared usage debit's outcome: the event, the original on a replay, or the error. */
export async function answerUsage(db: Db, input: UsageInput, prepared: PreparedUsage, outcome: DebitOutcome) {
  const { eventId, entryId, at, breakdown, request } = prepared;
  switch (outcome.kind) {
    case 'ok':
      return {
        replayed: false,
        body: usageResponse({
          id: eventId,
          ledger_entry_id: entryId,
          agent: input.agent,
          task_id: input.taskId,
          credits_charged: request.amount,
          markup: prepared.priced.markup,
          overage: outcome.overage,
          balance_after: outcome.balanceAfter,
          breakdown,
          occurred_at: at,
        }),
      };
    case 'replay': {
      // The hash covers the endpoint, so a key first used elsewhere is a conflict here.
      checkReplay({ requestHash: outcome.requestHash, idempotencyKey: input.idempotencyKey }, input.requestHash);
      const original = (await findUsageEventByEntry(db, outcome.entryId))!;
      return { replayed: true, body: usageResponse({ ...original, breakdown: await storedBreakdownOf(db, original) }) };
    }
    case 'insufficient': {
      const firstTool = input.items.find((item) => item.type === 'tool');
      const label = firstTool?.type === 'tool' ? firstTool.tool : (input.items[0]?.type === 'model' ? input.items[0].model : null);
      throw new InsufficientCreditsError('credits', request.amount, outcome.available, { tool: label, purchaseUrl: input.purchaseUrl });
    }
    case 'insufficient_tokens':
      throw new InsufficientCreditsError('tokens', request.modelTokens!.amount, outcome.available, {});
    case 'agent_limit':
      throw new AgentLimitError(outcome.limit);
    case 'closed_period':
      throw new ClosedPeriodError();
    case 'no_account':
      throw new NotFoundError('Account', input.accountId);
  }
}
