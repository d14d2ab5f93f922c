import type { Knex } from 'knex';
import type Stripe from 'stripe';
import type { Config } from '../config/config';
import type { Unit } from '../credits/compute/burn-order';
import { consumedBetween } from '../credits/reports.queries';
import { AppError } from '../shared/errors';
import { parsePeriodKey, periodKey } from './compute/calendar-month';
import { overageIdentifier, overageToReport } from './compute/close-rules';
import { lockPeriodRow } from './periods.queries';

export interface OverageDeps {
  db: Knex;
  stripe: Stripe;
  config: Pick<Config, 'STRIPE_METER_EVENT_NAME' | 'STRIPE_TOKEN_METER_EVENT_NAME'>;
}

interface ReportRow {
  identifier: string;
  quantity: string;
  stripe_customer_id: string;
  status: 'pending' | 'sent';
  created_at: Date;
}

/** Where each unit's overage lives: its meter and the period row's columns. */
const OVERAGE_UNITS = {
  credits: { meter: 'STRIPE_METER_EVENT_NAME', overage: 'overage', reported: 'overage_reported' },
  tokens: { meter: 'STRIPE_TOKEN_METER_EVENT_NAME', overage: 'token_overage', reported: 'token_overage_reported' },
} as const satisfies Record<Unit, { meter: keyof OverageDeps['config']; overage: string; reported: string }>;

export class NoStripeCustomerError extends AppError {
  constructor(accountId: string) {
    super(409, 'no_stripe_customer', `Account ${accountId} has overage but no Stripe customer; set its stripe_customer_id and re-run`, { account_id: accountId });
  }
}

export interface OverageReported {
  identifiers: string[];
  /** micro-credits sent to the credits meter by this call */
  sent: bigint;
  /** tokens sent to the token meter by this call */
  sentTokens: bigint;
}

/**
 * Reports an account's not-yet-reported overage for a period to Stripe Billing meters: credits
 * (micro-credits, STRIPE_METER_EVENT_NAME) and tokens (STRIPE_TOKEN_METER_EVENT_NAME), each under
 * its own identifiers and reports, in one call so the hourly sweep and the close report both.
 */
export async function reportOverage(deps: OverageDeps, input: { accountId: string; period: string; window: string; now?: Date }): Promise<OverageReported> {
  const credits = await reportUnitOverage(deps, 'credits', input);
  const tokens = await reportUnitOverage(deps, 'tokens', input);
  return { identifiers: [...credits.identifiers, ...tokens.identifiers], sent: credits.sent, sentTokens: tokens.sent };
}

/**
 * One unit's report. Exactly once per identifier: the report row (identifier, quantity) is
 * committed first, under the period row's lock, so hourly and final reports never both count the
 * same overage; then Stripe is called with that identifier (Stripe deduplicates meter events by
 * it) and the row is marked sent. A retry after a crash resends the same row, never a recomputed one.
 */
async function reportUnitOverage(deps: OverageDeps, unit: Unit, input: { accountId: string; period: string; window: string; now?: Date }) {
  const columns = OVERAGE_UNITS[unit];
  const period = parsePeriodKey(input.period)!;
  const identifier = overageIdentifier(input.accountId, input.period, input.window, unit);
  const pending = await deps.db.transaction(async (trx) => {
    await lockPeriodRow(trx, input.accountId, input.period);
    const account = await trx('accounts').where({ id: input.accountId }).first('stripe_customer_id');
    const { overage } = await consumedBetween(trx, input.accountId, unit, period.start, period.end);
    await trx('periods').where({ account_id: input.accountId, period: input.period }).update({ [columns.overage]: overage.toString() });
    const reports: ReportRow[] = await trx('overage_reports').where({ account_id: input.accountId, period: input.period, unit });
    const unsent = reports.filter((report) => report.status === 'pending');
    if (unsent.length > 0 || reports.some((report) => report.identifier === identifier)) return unsent;
    const delta = overageToReport(overage, reports.reduce((sum, report) => sum + BigInt(report.quantity), 0n));
    if (delta === 0n) return [];
    if (!account?.stripe_customer_id) throw new NoStripeCustomerError(input.accountId);
    const row = {
      identifier, account_id: input.accountId, period: input.period, window: input.window, unit,
      quantity: delta.toString(), stripe_customer_id: account.stripe_customer_id, status: 'pending' as const,
      ...(input.now ? { created_at: input.now } : {}),
    };
    return trx('overage_reports').insert(row).returning<ReportRow[]>(['identifier', 'quantity', 'stripe_customer_id', 'status', 'created_at']);
  });

  let sent = 0n;
  for (const report of pending) {
    await deps.stripe.billing.meterEvents.create(
      {
        event_name: deps.config[columns.meter],
        identifier: report.identifier,
        timestamp: eventTimestamp(report, period.end),
        payload: { stripe_customer_id: report.stripe_customer_id, value: report.quantity },
      },
      { idempotencyKey: report.identifier },
    );
    await deps.db.transaction(async (trx) => {
      const marked = await trx('overage_reports').where({ identifier: report.identifier, status: 'pending' }).update({ status: 'sent', sent_at: trx.fn.now() });
      if (marked === 1) {
        await trx('periods')
          .where({ account_id: input.accountId, period: input.period })
          .update({ [columns.reported]: trx.raw('?? + ?::bigint', [columns.reported, report.quantity]) });
      }
    });
    sent += BigInt(report.quantity);
  }
  return { identifiers: pending.map((report) => report.identifier), sent };
}

/**
 * Usage belongs to the period it happened in: a report is stamped inside it, unless that is older
 * than Stripe accepts (35 days), e.g. a close re-run long after. Derived from the report row, not
 * the clock: a retry sends the same parameters under the same idempotency key, which Stripe
 * refuses otherwise.
 */
function eventTimestamp(report: ReportRow, periodEnd: Date): number {
  const madeAt = new Date(report.created_at).getTime();
  const lastInstant = Math.min(madeAt, periodEnd.getTime() - 1000);
  return Math.floor((madeAt - lastInstant > 30 * 86_400_000 ? madeAt : lastInstant) / 1000);
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
