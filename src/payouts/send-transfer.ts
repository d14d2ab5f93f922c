import type { Knex } from 'knex';
import { recordEvent } from '../outgoing-webhooks/record-event';
import { minorToMajor } from '../invoices/compute/money';
import type Stripe from 'stripe';
import { NotFoundError } from '../shared/errors';
import { finishAttempt, findPayout, updatePayoutIf, type PayoutStatus } from './payouts.queries';
import { stripeRejection, type StripeRejection } from './stripe-errors';

/**
 * Step 2 of a payout: the Stripe transfer of a prepared (pending) payout, then its result.
 * Never inside a database transaction. The request is a pure function of the payout row at this
 * attempt (amount, destination and key were fixed when the attempt was committed), so every
 * retry of it (SDK, activity, a restarted worker, a concurrent run) sends the same parameters
 * with the same idempotency key and Stripe creates at most one transfer.
 */
export type TransferOutcome =
  | { kind: 'paid'; transferId: string }
  | { kind: 'rejected'; rejection: StripeRejection }
  | { kind: 'superseded'; status: PayoutStatus; attempts: number };

export async function sendPayoutTransfer(
  deps: { db: Knex; stripe: Stripe; heartbeat?: () => void },
  input: { payoutId: string; attempt: number },
): Promise<TransferOutcome> {
  const payout = await findPayout(deps.db, input.payoutId);
  if (!payout) throw new NotFoundError('Payout', input.payoutId);
  if (payout.status === 'paid' && payout.transfer_id) return { kind: 'paid', transferId: payout.transfer_id };
  if (payout.status !== 'pending' || payout.attempts !== input.attempt) {
    return { kind: 'superseded', status: payout.status, attempts: payout.attempts };
  }

  const ticker = deps.heartbeat ? setInterval(deps.heartbeat, 1000) : null;
  let transfer: Stripe.Transfer;
  try {
    transfer = await deps.stripe.transfers.create(
      {
        amount: Number(payout.amount),
        currency: payout.currency,
        destination: payout.destination!,
        description: `Settle publisher payout ${payout.period}`,
        transfer_group: `payout:${payout.publisher_id}:${payout.period}`,
        metadata: { payout_id: payout.id, period: payout.period, publisher_id: payout.publisher_id, attempt: String(input.attempt) },
      },
      { idempotencyKey: payout.idempotency_key! },
    );
  } catch (error) {
    const rejection = stripeRejection(error);
    if (rejection) return { kind: 'rejected', rejection };
    throw error; // retryable: the caller (activity retry policy) sends the same request again
  } finally {
    if (ticker) clearInterval(ticker);
  }

  await deps.db.transaction(async (trx) => {
    const paid = await updatePayoutIf(trx, { id: payout.id, status: 'pending', attempts: input.attempt }, {
      status: 'paid',
      transfer_id: transfer.id,
      paid_at: new Date(),
      failure_code: null,
      failure_reason: null,
    });
    if (paid) await finishAttempt(trx, { payout_id: payout.id, attempt: input.attempt }, { status: 'paid', transfer_id: transfer.id });
    if (paid) {
      await recordEvent(trx, {
        type: 'payout.paid',
        accountId: null, // a publisher's, not an account's: global endpoints receive it
        data: { payout_id: payout.id, publisher_id: payout.publisher_id, period: payout.period, amount: minorToMajor(BigInt(payout.amount), payout.currency), currency: payout.currency, transfer_id: transfer.id },
      });
    }
  });
  return { kind: 'paid', transferId: transfer.id };
}

/** Records Stripe's rejection of this attempt; the reserved accruals stay with the payout until a retry pays them. */
export async function markPayoutFailed(db: Knex, input: { payoutId: string; attempt: number; code: string; reason: string }): Promise<void> {
  await db.transaction(async (trx) => {
    const failed = await updatePayoutIf(trx, { id: input.payoutId, status: 'pending', attempts: input.attempt }, {
      status: 'failed',
      failure_code: input.code,
      failure_reason: input.reason,
    });
    if (failed) await finishAttempt(trx, { payout_id: input.payoutId, attempt: input.attempt }, { status: 'failed', failure_code: input.code, failure_reason: input.reason });
    if (failed) {
      await recordEvent(trx, {
        type: 'payout.failed',
        accountId: null,
        data: { payout_id: input.payoutId, attempt: input.attempt, failure_code: input.code, failure_reason: input.reason },
      });
    }
  });
}
