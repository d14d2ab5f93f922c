import { minorToMajor } from '../shared/amounts';
import type { PayoutRow } from './payouts.queries';

/** A payout as the API shows it: money in major units, as the seeds do. */
export function payoutView(row: PayoutRow) {
  return {
    id: row.id,
    publisher_id: row.publisher_id,
    period: row.period,
    amount: minorToMajor(row.amount),
    currency: row.currency,
    status: row.status,
    attempts: row.attempts,
    transfer_id: row.transfer_id,
    failure_reason: row.failure_reason,
    failure_code: row.failure_code,
    as_of: new Date(row.as_of).toISOString(),
    paid_at: row.paid_at ? new Date(row.paid_at).toISOString() : null,
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  };
}

export type PayoutView = ReturnType<typeof payoutView>;
