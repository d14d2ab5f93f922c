import type { Knex } from 'knex';
import { ConflictError, NotFoundError } from '../shared/errors';
import { transferIdempotencyKey } from './payout-keys';
import { findPayout, insertAttempt, lockPublisher, updatePayoutIf, type PayoutRow } from './payouts.queries';

/**
 * A finance-ops re-run of a failed payout: one guarded update (failed → pending, attempts + 1,
 * the next attempt's idempotency key), so of any number of concurrent retries exactly one wins
 * and the others get 409. Only a `failed` payout can be retried, and it is failed only after
 * Stripe answered the previous key with an error, so the new key cannot duplicate a success.
 * The amount (its reserved accruals) is unchanged; the destination is the publisher's current
 * connected account, so fixing the account and retrying is the normal repair.
 */
export async function claimPayoutRetry(db: Knex, payoutId: string): Promise<{ payout: PayoutRow; previous: PayoutRow }> {
  return db.transaction(async (trx) => {
    const previous = await findPayout(trx, payoutId);
    if (!previous) throw new NotFoundError('Payout', payoutId);
    const publisher = (await lockPublisher(trx, previous.publisher_id))!;
    if (previous.status !== 'failed') {
      throw new ConflictError(
        previous.status === 'paid'
          ? `Payout ${payoutId} is already paid (transfer ${previous.transfer_id}); it can never be paid again`
          : `Payout ${payoutId} is ${previous.status}; only a failed payout can be retried`,
        { id: payoutId, status: previous.status },
      );
    }
    if (!publisher.stripe_account_id || !publisher.transfers_enabled) {
      throw new ConflictError(`Publisher ${publisher.id} has no connected account that can receive transfers; attach one (PUT /v1/admin/publishers/:id) first`, {
        id: payoutId,
        publisher_id: publisher.id,
      });
    }
    const attempt = previous.attempts + 1;
    const key = transferIdempotencyKey(previous.publisher_id, previous.period, attempt);
    const payout = await updatePayoutIf(trx, { id: payoutId, status: 'failed', attempts: previous.attempts }, {
      status: 'pending',
      attempts: attempt,
      idempotency_key: key,
      destination: publisher.stripe_account_id,
      failure_code: null,
      failure_reason: null,
    });
    if (!payout) throw new ConflictError(`Payout ${payoutId} is already being retried`, { id: payoutId, status: 'pending' });
    await insertAttempt(trx, { payout_id: payoutId, attempt, idempotency_key: key, amount: BigInt(payout.amount), destination: publisher.stripe_account_id });
    return { payout, previous };
  });
}

/** Undoes a claim whose workflow could not be started, so the payout shows failed again. */
export async function releasePayoutRetry(db: Knex, claimed: PayoutRow, previous: PayoutRow): Promise<void> {
  await db.transaction(async (trx) => {
    const reverted = await updatePayoutIf(trx, { id: claimed.id, status: 'pending', attempts: claimed.attempts }, {
      status: 'failed',
      attempts: previous.attempts,
      idempotency_key: previous.idempotency_key,
      destination: previous.destination,
      failure_code: previous.failure_code,
      failure_reason: previous.failure_reason,
    });
    if (reverted) await trx('payout_attempts').where({ payout_id: claimed.id, attempt: claimed.attempts }).delete();
  });
}
