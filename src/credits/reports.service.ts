import type { Knex } from 'knex';
import { findAccount } from '../accounts/accounts.queries';
import { findPlan } from '../catalog/catalog.queries';
import { microToCredits } from '../shared/amounts';
import { NotFoundError } from '../shared/errors';
import { findEntry, spendableBalances, type LedgerEntryRow } from './ledger.queries';
import { quantityOf } from './ledger-views';
import { burnsOf } from './ledger.rows';
import { chargedBetween, consumedBetween, entriesPage, modelUsageBetween, tokensUsedBetween, usageGrouped, type Range, type UsageGroup } from './reports.queries';
import { findUsageEvent, storedBreakdownOf } from './usage.queries';
import { breakdownFor } from './provider-costs';
import { heldCredits } from '../holds/holds.queries';

async function accountWithPlan(db: Knex, accountId: string) {
  const account = await findAccount(db, accountId);
  if (!account) throw new NotFoundError('Account', accountId);
  const plan = (await findPlan(db, account.plan_id))!;
  return { account, plan };
}

/** The open period as the account sees it: spendable now, used, included, when it resets. */
export async function periodOverview(db: Knex, accountId: string, now = new Date()) {
  const { account, plan } = await accountWithPlan(db, accountId);
  const [spendable, credits, tokens] = await Promise.all([
    spendableBalances(db, accountId, now),
    consumedBetween(db, accountId, 'credits', account.period_start, account.period_end),
    consumedBetween(db, accountId, 'tokens', account.period_start, account.period_end),
  ]);
  return { account, plan, spendable, credits, tokens };
}

/**
 * Credits reserved by active holds and what is left for new usage (issue 18): additive fields
 * of the balance reads. `available` is floored at 0; on an overage plan holds block nothing and
 * it only shows what the grants still cover.
 */
async function heldAndAvailable(db: Knex, accountId: string, spendable: bigint) {
  const held = await heldCredits(db, accountId);
  const available = spendable - held;
  return { held: microToCredits(held), available: microToCredits(available > 0n ? available : 0n) };
}

/** GET /v1/credits/balance (seed 004). */
export async function creditBalance(db: Knex, accountId: string) {
  const spendable = await spendableBalances(db, accountId, new Date());
  return { data: { balance: microToCredits(spendable.credits), currency: 'CREDITS', ...(await heldAndAvailable(db, accountId, spendable.credits)) } };
}

/** GET /v1/billing/credits (seed 000). */
export async function billingCredits(db: Knex, accountId: string) {
  const { account, plan, spendable, credits } = await periodOverview(db, accountId);
  return {
    ...(await heldAndAvailable(db, accountId, spendable.credits)),
    credits: microToCredits(spendable.credits),
    used_this_period: microToCredits(credits.used),
    included_credits: microToCredits(plan.included_credits_micro),
    reset_date: account.period_end.toISOString(),
    plan: plan.id,
    period_start: account.period_start.toISOString(),
    overage_this_period: microToCredits(credits.overage),
  };
}

/** GET /v1/subscription (seed 001 teamSubscription). */
export async function subscription(db: Knex, accountId: string) {
  const { account, plan, credits } = await periodOverview(db, accountId);
  const limit = BigInt(plan.included_credits_micro);
  const percent = limit === 0n ? 0 : Number((credits.used * 10_000n) / limit) / 100;
  return {
    plan: plan.id,
    status: 'active',
    usage: {
      creditsUsed: microToCredits(credits.used),
      creditsLimit: microToCredits(limit),
      percentUsed: percent,
      totalTokensUsed: Number(await tokensUsedBetween(db, accountId, account.period_start, account.period_end)),
    },
    currentPeriod: { start: account.period_start.toISOString(), end: account.period_end.toISOString() },
  };
}

/** GET /v1/credits/usage-summary (seed 004): this period, by tool and by model. */
export async function usageSummary(db: Knex, accountId: string) {
  const { account, plan, spendable, credits } = await periodOverview(db, accountId);
  const range = { from: account.period_start, to: account.period_end };
  const [tools, models] = await Promise.all([usageGrouped(db, accountId, 'tool', range, null), modelUsageBetween(db, accountId, range.from, range.to)]);
  return {
    data: {
      period_start: account.period_start.toISOString(),
      period_end: account.period_end.toISOString(),
      used: microToCredits(credits.used),
      included: microToCredits(plan.included_credits_micro),
      remaining: microToCredits(spendable.credits),
      overage: microToCredits(credits.overage),
      by_tool: tools.map((row) => ({ tool: row.key, executions: Number(row.executions), credits: microToCredits(row.credits) })),
      by_model: models.map((row) => ({
        model: row.model,
        calls: row.calls,
        input_tokens: Number(row.input_tokens),
        output_tokens: Number(row.output_tokens),
        cache_tokens: Number(row.cache_tokens),
        credits: microToCredits(row.credits),
      })),
    },
  };
}

/** GET /v1/billing/usage (seed 000): grouped lines; the group key field is named after group_by. */
export async function usageHistory(db: Knex, accountId: string, groupBy: UsageGroup, range: Range, agent: string | null) {
  const [rows, charged] = await Promise.all([usageGrouped(db, accountId, groupBy, range, agent), chargedBetween(db, accountId, range, agent)]);
  const usage = rows.map((row) => {
    const executions = BigInt(row.executions);
    const credits = BigInt(row.credits);
    return {
      [groupBy]: row.key,
      executions: Number(executions),
      credits_used: microToCredits(credits),
      avg_credits_per_call: executions === 0n ? 0 : microToCredits((credits * 2n + executions) / (executions * 2n)),
    };
  });
  return {
    usage,
    total_executions: rows.reduce((sum, row) => sum + Number(row.executions), 0),
    total_credits: microToCredits(rows.reduce((sum, row) => sum + BigInt(row.credits), 0n)),
    total_charged: microToCredits(charged),
  };
}

/**
 * GET /v1/usage/:id (seeds 001, 002): one event, its lines and how it was paid for. An account
 * sees its own events without provider costs; the admin (`accountId` null) any event, with them.
 */
export async function usageEventDetail(db: Knex, accountId: string | null, usageId: string) {
  const audience = accountId === null ? 'operator' : 'customer';
  const event = await findUsageEvent(db, accountId, usageId);
  if (!event) throw new NotFoundError('Usage event', usageId);
  const [entry, lines] = await Promise.all([findEntry(db, event.account_id, event.ledger_entry_id) as Promise<LedgerEntryRow>, storedBreakdownOf(db, event)]);
  const breakdown = breakdownFor(lines, audience) as Array<Record<string, unknown>>;
  const tokens = {
    input: Number(event.input_tokens),
    output: Number(event.output_tokens),
    cacheWrite: Number(event.cache_write_tokens),
    cacheRead: Number(event.cache_read_tokens),
  };
  return {
    id: event.id,
    creditsUsed: microToCredits(event.credits_charged),
    credits_used: microToCredits(event.credits_charged),
    markup_credits: microToCredits(event.markup),
    rounding_credits: microToCredits(event.rounding),
    overage_credits: microToCredits(event.overage),
    balance_after: microToCredits(event.balance_after),
    ...(audience === 'operator' ? { account_id: event.account_id, provider_cost_usd: microToCredits(event.provider_cost) } : {}),
    agent: event.agent,
    task_id: event.task_id,
    timestamp: event.occurred_at.toISOString(),
    tokens: { ...tokens, total: tokens.input + tokens.output + tokens.cacheWrite + tokens.cacheRead },
    breakdown,
    trace: [
      ...breakdown.map((line, step) => ({ step: step + 1, ...line })),
      {
        step: breakdown.length + 1,
        type: 'ledger',
        transaction_id: entry.id,
        seq: Number(entry.seq),
        amount: quantityOf('credits', entry.amount),
        overage: quantityOf('credits', entry.overage),
        balance_after: quantityOf('credits', entry.balance_after),
        funded_by: (burnsOf(entry) ?? []).map((burn) => ({ grant_id: burn.grant_id, credits: microToCredits(burn.amount) })),
      },
    ],
  };
}

/** The statement's columns, in order (seed 003): one row per ledger entry, quantities in the entry's unit. */
export const STATEMENT_COLUMNS = ['id', 'seq', 'unit', 'type', 'effective_at', 'created_at', 'description', 'reference', 'amount', 'overage', 'balance_after'] as const;

export type StatementRow = Record<(typeof STATEMENT_COLUMNS)[number], string | number | null>;

const STATEMENT_PAGE_SIZE = 1000;

function statementRow(entry: LedgerEntryRow): StatementRow {
  return {
    id: entry.id,
    seq: entry.seq,
    unit: entry.unit,
    type: entry.type,
    effective_at: entry.effective_at.toISOString(),
    created_at: entry.created_at.toISOString(),
    description: entry.description,
    reference: entry.reference,
    amount: quantityOf(entry.unit, entry.amount),
    overage: quantityOf(entry.unit, entry.overage),
    balance_after: quantityOf(entry.unit, entry.balance_after),
  };
}

/**
 * GET /v1/statements.csv (seed 003): the account's ledger entries in the range, a page at a
 * time (keyset on unit and seq), so a long statement never sits in memory; the HTTP layer
 * (src/http/csv-stream.ts) writes each page as it comes.
 */
export async function* statementPages(db: Knex, accountId: string, range: Range): AsyncGenerator<StatementRow[]> {
  let after: { unit: string; seq: string } | null = null;
  for (;;) {
    const page: LedgerEntryRow[] = await entriesPage(db, accountId, range, after, STATEMENT_PAGE_SIZE);
    if (page.length === 0) return;
    yield page.map(statementRow);
    const last = page[page.length - 1]!;
    after = { unit: last.unit, seq: last.seq };
  }
}
