import { microToCredits } from '../shared/amounts';
import type { HoldRow, HoldStatus } from './holds.queries';

/** A hold past `expires_at` shows as expired even before the sweep has marked it. */
export function statusOf(hold: HoldRow, now = new Date()): HoldStatus {
  return hold.status === 'active' && new Date(hold.expires_at).getTime() <= now.getTime() ? 'expired' : hold.status;
}

const credits = (value: string | null) => (value === null ? null : microToCredits(value));

/** GET /v1/holds/:id and the lists. */
export function holdView(hold: HoldRow) {
  return {
    id: hold.id,
    status: statusOf(hold),
    credits_held: microToCredits(hold.amount),
    agent: hold.agent,
    task_id: hold.task_id,
    expires_at: new Date(hold.expires_at).toISOString(),
    created_at: new Date(hold.created_at).toISOString(),
    settled_at: hold.settled_at ? new Date(hold.settled_at).toISOString() : null,
    captured_credits: credits(hold.captured),
    uncaptured_credits: credits(hold.uncaptured),
    capture_transaction_id: hold.capture_entry_id,
  };
}

/** The answer to POST /v1/holds (a replay answers it again from the row). */
export function placedHoldView(hold: Pick<HoldRow, 'id' | 'amount' | 'available_after' | 'expires_at'>) {
  return {
    id: hold.id,
    credits_held: microToCredits(hold.amount),
    available_after: microToCredits(hold.available_after),
    expires_at: new Date(hold.expires_at).toISOString(),
  };
}
