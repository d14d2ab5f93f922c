import { microToCredits, minorToMajor } from '../shared/amounts';
import type { AttemptRow, SettingsRow } from './auto-recharge.queries';

/** How many past attempts GET and PUT show, newest first. */
export const ATTEMPTS_SHOWN = 10;

export function attemptView(row: AttemptRow) {
  return {
    n: row.n,
    status: row.status,
    credits: microToCredits(row.credits),
    amount: minorToMajor(row.amount_minor),
    currency: row.currency,
    payment_intent_id: row.payment_intent_id,
    failure_reason: row.failure_reason,
    ledger_entry_id: row.ledger_entry_id,
    invoice_id: row.invoice_id,
    created_at: row.created_at.toISOString(),
    finished_at: row.finished_at?.toISOString() ?? null,
  };
}

/** The account's settings (or the defaults: off) and its latest attempts. */
export function autoRechargeView(settings: SettingsRow | null, attempts: AttemptRow[]) {
  return {
    enabled: settings?.enabled ?? false,
    threshold_credits: settings ? microToCredits(settings.threshold) : null,
    recharge_credits: settings ? microToCredits(settings.recharge) : null,
    updated_at: settings?.updated_at.toISOString() ?? null,
    attempts: attempts.map(attemptView),
  };
}
