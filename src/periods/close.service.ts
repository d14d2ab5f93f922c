import type { Knex } from 'knex';
import { microToCredits } from '../shared/amounts';
import { recordEvent } from '../outgoing-webhooks/record-event';
import type Stripe from 'stripe';
import type { Config } from '../config/config';
import { findAccount } from '../accounts/accounts.queries';
import { findPlan } from '../catalog/catalog.queries';
import { consumedBetween } from '../credits/reports.queries';
import type { IssueInvoiceInput } from '../invoices/issue-invoice.types';
import { nextMonth, parsePeriodKey, periodKey } from './compute/calendar-month';
import { planCloseLedger, type LedgerPosition } from './compute/plan-close-ledger';
import { applyClosePlan, openGrants } from './close-ledger';
import { newId } from '../shared/ids';
import type { Unit } from '../credits/compute/burn-order';
import { periodInvoiceLines } from './compute/close-rules';
import { reportOverage } from './overage.service';
import { lockPeriodRow } from './periods.queries';
import { takePeriodEndChange } from '../subscriptions/plan-change.service';
import { pairPeriodInvoice } from '../subscriptions/collection.service';

export interface CloseDeps {
  db: Knex;
  stripe: Stripe;
  config: Pick<Config, 'STRIPE_METER_EVENT_NAME' | 'STRIPE_TOKEN_METER_EVENT_NAME'>;
}

export type PreparedClose =
  | { accountId: string; outcome: 'already_closed' | 'not_in_period' }
  | { accountId: string; outcome: 'prepared'; invoice: IssueInvoiceInput | null };

/**
 * Steps 0–3 of an account's close; a re-run after a crash continues where it stopped:
 *   0. the period stops taking usage: the account's open period moves on while its balance-row
 *      locks wait out any debit in flight (later debits refuse timestamps in it);
 *   1. the plan's fraction of the unused included credits rolls over, the rest expires (and
 *      any other grant that ended with the period);
 *   2. the next period's included credits and tokens are granted;
 *      (0–2 commit together, with the period row's status `closing`: done once)
 *   3. the period's unreported overage goes to Stripe (identifiers overage:…:final for credits,
 *      token-overage:…:final for tokens).
 * Returns the period invoice to issue (step 4, issueInvoice), or null when nothing is due.
 */
export async function prepareAccountClose(deps: CloseDeps, accountId: string, key: string): Promise<PreparedClose> {
  const period = parsePeriodKey(key)!;
  const next = nextMonth(period);
  // Steps 0–2 touch only our database: planned in memory, written in one transaction.
  const begun = await deps.db.transaction(async (trx) => {
    const positions = await lockBalances(trx, accountId);
    const row = await lockPeriodRow(trx, accountId, key);
    if (row.status === 'closed') return { state: 'already_closed' } as const;
    const account = await findAccount(trx, accountId);
    if (!account) return { state: 'not_in_period' } as const;
    const plan = (await findPlan(trx, account.plan_id))!;
    if (row.status === 'closing') return { state: 'closing', plan } as const; // steps 0–2 done before
    const moved = await trx('accounts').where({ id: accountId, period_start: period.start }).update({ period_start: next.start, period_end: next.end });
    if (moved === 0) return { state: 'not_in_period' } as const;
    // A downgrade or cancellation waiting for period end takes effect now: the next period is
    // granted from the new plan; the closing period is still invoiced (and rolled over) on its own.
    const nextPlan = (await takePeriodEndChange(trx, accountId)) ?? plan;
    const planned = planCloseLedger({
      grants: await openGrants(trx, accountId),
      positions,
      plan: { name: nextPlan.name, rolloverFraction: plan.rollover_fraction, includedCredits: BigInt(nextPlan.included_credits_micro), includedTokens: BigInt(nextPlan.included_tokens) },
      period: { ...period, key },
      next: { ...next, key: periodKey(next) },
      newId,
    });
    await applyClosePlan(trx, accountId, planned);
    await trx('periods')
      .where({ account_id: accountId, period: key })
      .update({ status: 'closing', expired: planned.expired.credits.toString(), rolled_over: planned.rolledOver.toString(), included_credits: await includedFor(trx, accountId, period.start) });
    return { state: 'closing', plan } as const;
  });
  if (begun.state !== 'closing') return { accountId, outcome: begun.state };
  const { plan } = begun;
  const { overage } = await consumedBetween(deps.db, accountId, 'credits', period.start, period.end);
  const { overage: tokenOverage } = await consumedBetween(deps.db, accountId, 'tokens', period.start, period.end);
  if (overage > 0n || tokenOverage > 0n) await reportOverage(deps, { accountId, period: key, window: 'final' });

  const lines = periodInvoiceLines(
    {
      name: plan.name,
      monthlyPriceMinor: BigInt(plan.monthly_price_minor),
      overagePriceMinorPerCredit: BigInt(plan.overage_price_minor_per_credit),
      overagePriceMinorPerMillionTokens: BigInt(plan.overage_price_minor_per_million_tokens ?? 0),
    },
    key,
    overage,
    tokenOverage,
  );
  const invoice: IssueInvoiceInput | null = lines.length
    ? {
        source: `period:${accountId}:${key}`,
        accountId,
        kind: 'invoice',
        currency: plan.currency,
        lines: lines.map((line) => ({ ...line, unitAmountMinor: Number(line.unitAmountMinor), amountMinor: Number(line.amountMinor) })),
        paymentReference: `${plan.name} ${key}`,
      }
    : null;
  return { accountId, outcome: 'prepared', invoice };
}



/**
 * Step 5: the period row is closed with its usage, overage and invoice (the expired and
 * rolled-over figures were recorded with the ledger changes). Guarded: it happens once.
 */
export async function completeAccountClose(db: Knex, accountId: string, key: string, invoiceId: string | null): Promise<void> {
  const period = parsePeriodKey(key)!;
  const consumed = await consumedBetween(db, accountId, 'credits', period.start, period.end);
  const tokens = await consumedBetween(db, accountId, 'tokens', period.start, period.end);
  // Stripe's invoice of the month may have come first: pair it now. Before the guarded update, so
  // a re-run after a crash between the two still pairs (pairing is idempotent).
  if (invoiceId) await pairPeriodInvoice(db, accountId, key);
  await db.transaction(async (trx) => {
    const closed = await trx('periods')
      .where({ account_id: accountId, period: key, status: 'closing' })
      .update({
        status: 'closed',
        used: consumed.used.toString(),
        overage: consumed.overage.toString(),
        token_overage: tokens.overage.toString(),
        invoice_id: invoiceId,
        closed_at: trx.fn.now(),
      });
    if (closed === 1) {
      await recordEvent(trx, {
        type: 'period.closed',
        accountId,
        data: {
          period: key,
          used_credits: microToCredits(consumed.used),
          overage_credits: microToCredits(consumed.overage),
          overage_tokens: Number(tokens.overage), // whole tokens
          invoice_id: invoiceId,
        },
      });
    }
  });
}

/** The period's included credits: the plan's allowance and whatever rolled into it. */
async function includedFor(trx: Knex.Transaction, accountId: string, periodStart: Date): Promise<string> {
  const row = await trx('grants')
    .where({ account_id: accountId, unit: 'credits', kind: 'included', starts_at: periodStart })
    .select(trx.raw('coalesce(sum(amount), 0)::text as total'))
    .first();
  return row.total as string;
}

async function lockBalances(trx: Knex.Transaction, accountId: string): Promise<Record<Unit, LedgerPosition>> {
  const rows: Array<{ unit: Unit; balance: string; last_seq: string }> = await trx('balances')
    .where({ account_id: accountId })
    .orderBy('unit')
    .forUpdate()
    .select('unit', 'balance', 'last_seq');
  const positions = { credits: { balance: 0n, lastSeq: 0n }, tokens: { balance: 0n, lastSeq: 0n } };
  for (const row of rows) positions[row.unit] = { balance: BigInt(row.balance), lastSeq: BigInt(row.last_seq) };
  return positions;
}
