/**
 * Business keys of a payout (ARCHITECTURE.md invariant 7). Pure, imported by workflows too.
 *
 * Attempt 1 uses `payout:<publisher>:<period>` as both the workflow id and the Stripe idempotency
 * key. Stripe replays a key's first answer for 24 h, errors included, so a re-run of a payout that
 * Stripe REJECTED uses `…:attempt-<n>`; a new key is only ever issued after Stripe's answer for
 * the previous one was an error (payout status `failed`), which is why a success cannot be sent
 * twice.
 */
export function payoutKey(publisherId: string, period: string): string {
  return `payout:${publisherId}:${period}`;
}

export function transferIdempotencyKey(publisherId: string, period: string, attempt: number): string {
  return attempt <= 1 ? payoutKey(publisherId, period) : `${payoutKey(publisherId, period)}:attempt-${attempt}`;
}

/** The workflow of a run (attempt 1) or of a finance-ops retry (attempt n ≥ 2). */
export function payoutWorkflowId(publisherId: string, period: string, attempt = 1): string {
  return attempt <= 1 ? payoutKey(publisherId, period) : `${payoutKey(publisherId, period)}:retry-${attempt}`;
}

export function payoutRunWorkflowId(period: string): string {
  return `payout-run:${period}`;
}
