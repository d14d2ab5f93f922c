import type { Knex } from 'knex';
import type Stripe from 'stripe';
import type { Config } from '../config/config';
import { findAccount } from '../accounts/accounts.queries';
import { findPlan } from '../catalog/catalog.queries';
import { expireGrants } from '../credits/expire-grants';
import { postCredit, reduceGrantWithEntry } from '../credits/ledger.service';
import { grantPeriodAllowance } from '../credits/period-allowance';
import { consumedBetween } from '../credits/reports.queries';
import type { IssueInvoiceInput } from '../invoices/issue-invoice.types';
import { nextMonth, parsePeriodKey, periodKey, type Period } from './compute/calendar-month';
import { periodInvoiceLines, splitRollover } from './compute/close-rules';
import { reportOverage } from './overage.service';
import { lockPeriodRow, sumEntries } from './periods.queries';

export interface CloseDeps {
  db: Knex;
  stripe: Stripe;
  config: Pick<Config, 'STRIPE_METER_EVENT_NAME'>;
}

export type PreparedClose =
  | { accountId: string; outcome: 'already_closed' | 'not_in_period' }
  | { accountId: string; outcome: 'prepared'; invoice: IssueInvoiceInput | null };

/**
 * Steps 1–3 of an account's close, each idempotent by business key so a re-run after a crash
 * continues where it stopped:
 *   1. roll over the plan's fraction of the unused included credits, expire the rest (and any
 *      other grant that ended with the period);
 *   2. grant the next period's included credits and tokens;
 *   3. report the period's unreported overage to Stripe (identifier …:final).
 * Returns the period invoice to issue (step 4, issueInvoice), or null when nothing is due.
 */
export async function prepareAccountClose(deps: CloseDeps, accountId: string, key: string): Promise<PreparedClose> {
  const period = parsePeriodKey(key)!;
  const next = nextMonth(period);
  const begun = await beginAccountClose(deps.db, accountId, period, key);
  if (begun !== 'closing') return { accountId, outcome: begun };
  const account = (await findAccount(deps.db, accountId))!;
  const plan = (await findPlan(deps.db, account.plan_id))!;

  await rollOverIncluded(deps.db, accountId, key, plan.rollover_fraction, period, next);
  await expireGrants(deps.db, accountId, period.end);
  await grantPeriodAllowance(deps.db, accountId, plan, next);
  const { overage } = await consumedBetween(deps.db, accountId, 'credits', period.start, period.end);
  if (overage > 0n) await reportOverage(deps, { accountId, period: key, window: 'final' });

  const lines = periodInvoiceLines(
    { name: plan.name, monthlyPriceMinor: BigInt(plan.monthly_price_minor), overagePriceMinorPerCredit: BigInt(plan.overage_price_minor_per_credit) },
    key,
    overage,
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
 * Step 0: the period stops taking usage before anything is counted. Holding the account's
 * balance-row locks while its open period moves on waits out any debit in flight; every later
 * debit sees the new period and refuses timestamps in this one (closed_period).
 */
async function beginAccountClose(db: Knex, accountId: string, period: Period, key: string): Promise<'closing' | 'already_closed' | 'not_in_period'> {
  return db.transaction(async (trx) => {
    await trx('balances').where({ account_id: accountId }).orderBy('unit').forUpdate().select('unit');
    const row = await lockPeriodRow(trx, accountId, key);
    if (row.status === 'closed') return 'already_closed';
    if (row.status === 'closing') return 'closing';
    const next = nextMonth(period);
    const moved = await trx('accounts').where({ id: accountId, period_start: period.start }).update({ period_start: next.start, period_end: next.end });
    if (moved === 0) return 'not_in_period';
    await trx('periods').where({ account_id: accountId, period: key }).update({ status: 'closing' });
    return 'closing';
  });
}

async function rollOverIncluded(db: Knex, accountId: string, key: string, fraction: string, period: Period, next: Period): Promise<void> {
  const included: Array<{ id: string; remaining: string }> = await db('grants')
    .where({ account_id: accountId, unit: 'credits', kind: 'included', source: `period:${key}` })
    .select('id', 'remaining');
  for (const grant of included) {
    const { rollover } = splitRollover(BigInt(grant.remaining), fraction);
    if (rollover === 0n && !(await db('ledger_entries').where({ account_id: accountId, idempotency_key: `rollover-out:${grant.id}` }).first('id'))) continue;
    // The amount taken out (on a re-run: the amount taken the first time) is what goes back in.
    const out = await reduceGrantWithEntry(db, {
      grantId: grant.id,
      amount: rollover,
      type: 'rollover',
      idempotencyKey: `rollover-out:${grant.id}`,
      description: `Unused included credits carried into ${periodKey(next)}`,
      reference: grant.id,
      effectiveAt: period.end,
    });
    if (!out) continue;
    await postCredit(db, {
      accountId,
      unit: 'credits',
      kind: 'included',
      amount: -BigInt(out.entry.amount),
      type: 'rollover',
      idempotencyKey: `rollover-in:${grant.id}`,
      startsAt: next.start,
      expiresAt: next.end,
      effectiveAt: period.end,
      source: `rollover:${key}`,
      reference: grant.id,
      description: `Included credits carried over from ${key}`,
    });
  }
}

/**
 * Step 5: the period row, closed with what the close found and did (read back from the
 * ledger, so a re-run records the same figures).
 */
export async function completeAccountClose(db: Knex, accountId: string, key: string, invoiceId: string | null): Promise<void> {
  const period = parsePeriodKey(key)!;
  await db.transaction(async (trx) => {
    const row = await lockPeriodRow(trx, accountId, key);
    if (row.status !== 'closing') return;
    const [consumed, expired, rolledOver, included] = await Promise.all([
      consumedBetween(trx, accountId, 'credits', period.start, period.end),
      sumEntries(trx, accountId, { unit: 'credits', type: 'expiry', effectiveAt: period.end, sign: 'negative' }),
      sumEntries(trx, accountId, { unit: 'credits', type: 'rollover', effectiveAt: period.end, sign: 'negative' }),
      // the plan's allowance for the period and whatever rolled into it
      trx('grants')
        .where({ account_id: accountId, unit: 'credits', kind: 'included', starts_at: period.start })
        .select(trx.raw('coalesce(sum(amount), 0)::text as total'))
        .first(),
    ]);
    await trx('periods')
      .where({ account_id: accountId, period: key })
      .update({
        status: 'closed',
        included_credits: included.total,
        used: consumed.used.toString(),
        expired: expired.toString(),
        rolled_over: rolledOver.toString(),
        overage: consumed.overage.toString(),
        invoice_id: invoiceId,
        closed_at: trx.fn.now(),
      });
  });
}
