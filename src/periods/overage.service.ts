import type { Knex } from 'knex';
import type Stripe from 'stripe';
import type { Config } from '../config/config';
import { consumedBetween } from '../credits/reports.queries';
import { AppError } from '../shared/errors';
import { parsePeriodKey, periodKey } from './compute/calendar-month';
import { overageIdentifier, overageToReport } from './compute/close-rules';
import { lockPeriodRow } from './periods.queries';

export interface OverageDeps {
  db: Knex;
  stripe: Stripe;
  config: Pick<Config, 'STRIPE_METER_EVENT_NAME'>;
}

interface ReportRow {
  identifier: string;
  quantity: string;
  stripe_customer_id: string;
  status: 'pending' | 'sent';
}

export class NoStripeCustomerError extends AppError {
  constructor(accountId: string) {
    super(409, 'no_stripe_customer', `Account ${accountId} has overage but no Stripe customer; set its stripe_customer_id and re-run`, { account_id: accountId });
  }
}

/**
 * Reports an account's not-yet-reported overage for a period to Stripe Billing meters.
 *
 * Exactly once per identifier: the report row (identifier, quantity) is committed first, under
 * the period row's lock, so hourly and final reports never both count the same overage; then
 * Stripe is called with that identifier (Stripe deduplicates meter events by it) and the row is
 * marked sent. A retry after a crash resends the same row, never a recomputed one.
 */
export async function reportOverage(deps: OverageDeps, input: { accountId: string; period: string; window: string; now?: Date }) {
  const period = parsePeriodKey(input.period)!;
  const identifier = overageIdentifier(input.accountId, input.period, input.window);
  const pending = await deps.db.transaction(async (trx) => {
    await lockPeriodRow(trx, input.accountId, input.period);
    const account = await trx('accounts').where({ id: input.accountId }).first('stripe_customer_id');
    const { overage } = await consumedBetween(trx, input.accountId, 'credits', period.start, period.end);
    await trx('periods').where({ account_id: input.accountId, period: input.period }).update({ overage: overage.toString() });
    const reports: ReportRow[] = await trx('overage_reports').where({ account_id: input.accountId, period: input.period });
    const unsent = reports.filter((report) => report.status === 'pending');
    if (unsent.length > 0 || reports.some((report) => report.identifier === identifier)) return unsent;
    const delta = overageToReport(overage, reports.reduce((sum, report) => sum + BigInt(report.quantity), 0n));
    if (delta === 0n) return [];
    if (!account?.stripe_customer_id) throw new NoStripeCustomerError(input.accountId);
    const row = { identifier, account_id: input.accountId, period: input.period, window: input.window, quantity: delta.toString(), stripe_customer_id: account.stripe_customer_id, status: 'pending' as const };
    await trx('overage_reports').insert(row);
    return [row];
  });

  const now = input.now ?? new Date();
  // Usage belongs to the period it happened in: stamp the final report inside it, unless that
  // is older than Stripe accepts (35 days), e.g. a close re-run long after.
  const lastInstant = new Date(Math.min(now.getTime(), period.end.getTime() - 1000));
  const timestamp = now.getTime() - lastInstant.getTime() > 30 * 86_400_000 ? now : lastInstant;
  let sent = 0n;
  for (const report of pending) {
    await deps.stripe.billing.meterEvents.create(
      {
        event_name: deps.config.STRIPE_METER_EVENT_NAME,
        identifier: report.identifier,
        timestamp: Math.floor(timestamp.getTime() / 1000),
        payload: { stripe_customer_id: report.stripe_customer_id, value: report.quantity },
      },
      { idempotencyKey: report.identifier },
    );
    await deps.db.transaction(async (trx) => {
      const marked = await trx('overage_reports').where({ identifier: report.identifier, status: 'pending' }).update({ status: 'sent', sent_at: trx.fn.now() });
      if (marked === 1) {
        await trx('periods')
          .where({ account_id: input.accountId, period: input.period })
          .update({ overage_reported: trx.raw('overage_reported + ?::bigint', [report.quantity]) });
      }
    });
    sent += BigInt(report.quantity);
  }
  return { identifiers: pending.map((report) => report.identifier), sent };
}

/** Pro accounts (overage plans) with an open period: the hourly sweep's population. */
export async function overageAccountsPage(db: Knex, afterId: string | null, limit: number): Promise<Array<{ id: string; period: string }>> {
  const query = db('accounts as a')
    .join('plans as p', 'p.id', 'a.plan_id')
    .where('p.overage_allowed', true)
    .orderBy('a.id')
    .limit(limit)
    .select('a.id', 'a.period_start');
  if (afterId) query.where('a.id', '>', afterId);
  return (await query).map((row: { id: string; period_start: Date }) => ({ id: row.id, period: periodKey(row.period_start) }));
}
