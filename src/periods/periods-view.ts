import type { Knex } from 'knex';
import { findAccount } from '../accounts/accounts.queries';
import { findPlan } from '../catalog/catalog.queries';
import { consumedBetween } from '../credits/reports.queries';
import { microToCredits } from '../shared/amounts';
import { periodKey } from './compute/calendar-month';
import type { PeriodRow } from './periods.queries';

const credits = (micro: string | bigint) => microToCredits(micro);

function periodView(row: PeriodRow) {
  return {
    period: row.period,
    status: row.status,
    included_credits: credits(row.included_credits),
    used: credits(row.used),
    expired: credits(row.expired),
    rolled_over: credits(row.rolled_over),
    overage: credits(row.overage),
    overage_reported: credits(row.overage_reported),
    token_overage: Number(row.token_overage),
    token_overage_reported: Number(row.token_overage_reported),
    invoice_id: row.invoice_id,
    closed_at: row.closed_at?.toISOString() ?? null,
  };
}

/** The open period (live figures from the ledger) first, then the closed ones. */
export async function periodsOfAccount(db: Knex, accountId: string, rows: PeriodRow[]) {
  const account = (await findAccount(db, accountId))!;
  const plan = (await findPlan(db, account.plan_id))!;
  const openKey = periodKey(account.period_start);
  const { used, overage } = await consumedBetween(db, accountId, 'credits', account.period_start, account.period_end);
  const { overage: tokenOverage } = await consumedBetween(db, accountId, 'tokens', account.period_start, account.period_end);
  const openRow = rows.find((row) => row.period === openKey);
  const open = {
    period: openKey,
    status: 'open',
    included_credits: credits(plan.included_credits_micro),
    used: credits(used),
    expired: 0,
    rolled_over: 0,
    overage: credits(overage),
    overage_reported: credits(openRow?.overage_reported ?? '0'),
    token_overage: Number(tokenOverage),
    token_overage_reported: Number(openRow?.token_overage_reported ?? '0'),
    invoice_id: null,
    closed_at: null,
  };
  return [open, ...rows.filter((row) => row.period !== openKey).map(periodView)];
}
