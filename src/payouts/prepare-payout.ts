import type { Knex } from 'knex';
import type { Config } from '../config/config';
import { NotFoundError } from '../shared/errors';
import { decidePayout, type PayoutDecision } from './compute/payout-amount';
import { insertAccruals, releaseReserved, reserveUnsettled, sumUnsettled } from './accruals.queries';
import { payoutMinimumMinor } from './payout-config';
import { transferIdempotencyKey } from './payout-keys';
import { insertAttempt, lockPayout, lockPublisher, updatePayoutIf, type PayoutRow, type PublisherRow } from './payouts.queries';

export type Prepared = Pick<PayoutRow, 'id' | 'status' | 'amount' | 'currency' | 'attempts' | 'idempotency_key' | 'destination' | 'failure_code' | 'failure_reason'>;

function unusableAccount(publisher: PublisherRow): { code: string; reason: string } | null {
  if (!publisher.stripe_account_id) {
    return {
      code: 'no_connected_account',
      reason: 'The publisher has no connected Stripe account: onboard with POST /v1/publisher/connect or attach one with PUT /v1/admin/publishers/:id',
    };
  }
  if (!publisher.transfers_enabled) {
    return {
      code: 'transfers_disabled',
      reason: `Connected account ${publisher.stripe_account_id} cannot receive transfers yet (its transfers capability is not active)`,
    };
  }
  return null;
}

const view = (row: PayoutRow): Prepared => ({
  id: row.id,
  status: row.status,
  amount: row.amount,
  currency: row.currency,
  attempts: row.attempts,
  idempotency_key: row.idempotency_key,
  destination: row.destination,
  failure_code: row.failure_code,
  failure_reason: row.failure_reason,
});

/** Fields every evaluation writes: a held or carried-forward payout has no transfer yet. */
const evaluated = (asOf: Date, decision: PayoutDecision) => ({ as_of: asOf, amount: decision.amount.toString(), transfer_id: null, paid_at: null });

// Only these rows are (re-)evaluated; the guarded update refuses anything that moved meanwhile.
const EVALUABLE: PayoutRow['status'][] = ['pending', 'held', 'carried_forward'];

/** paid and failed are final here; pending with an attempt was prepared by an earlier or concurrent run. */
function isAlreadyPrepared(payout: PayoutRow): boolean {
  return payout.status === 'paid' || payout.status === 'failed' || (payout.status === 'pending' && payout.attempts > 0);
}

/**
 * Sums the publisher's unsettled accruals before `asOf` and, when a transfer is possible,
 * reserves them for this payout. The decision is then taken again on exactly what was reserved:
 * a back-dated debit may have committed between the sum and the update (the reservation is
 * released when the reserved sum falls below the minimum).
 */
async function decideAndReserve(
  trx: Knex.Transaction,
  config: Pick<Config, 'PAYOUT_MINIMUM'>,
  payout: PayoutRow,
  asOf: Date,
  canTransfer: boolean,
): Promise<PayoutDecision> {
  const scope = { publisherId: payout.publisher_id, currency: payout.currency, asOf };
  const minimum = payoutMinimumMinor(config, payout.currency);
  const decision = decidePayout(await sumUnsettled(trx, scope), minimum);
  if (decision.kind !== 'transfer' || !canTransfer) return decision;

  const reserved = decidePayout(await reserveUnsettled(trx, scope, payout.id), minimum);
  if (reserved.kind === 'carry_forward') await releaseReserved(trx, payout.id);
  return reserved;
}

async function markCarriedForward(trx: Knex.Transaction, payout: PayoutRow, asOf: Date, decision: PayoutDecision): Promise<PayoutRow> {
  const row = await updatePayoutIf(trx, { id: payout.id, status: EVALUABLE }, {
    ...evaluated(asOf, decision),
    status: 'carried_forward',
    failure_code: null,
    failure_reason: null,
  });
  return row!;
}

async function markHeld(
  trx: Knex.Transaction,
  payout: PayoutRow,
  asOf: Date,
  decision: PayoutDecision,
  blocked: { code: string; reason: string },
): Promise<PayoutRow> {
  const row = await updatePayoutIf(trx, { id: payout.id, status: EVALUABLE }, { ...evaluated(asOf, decision), status: 'held', failure_code: blocked.code, failure_reason: blocked.reason });
  return row!;
}

/**
 * Moves the sub-minor remainder to the next period as a carry_out (reserved, −r) / carry_in
 * (unsettled, +r) pair, so Σ reserved == amount exactly and Σ of all accruals is unchanged.
 */
async function carryRemainder(trx: Knex.Transaction, payout: PayoutRow, asOf: Date, remainderExact: bigint): Promise<void> {
  if (remainderExact <= 0n) return;
  const carry = {
    publisher_id: payout.publisher_id,
    account_id: null,
    usage_event_id: null,
    position: null,
    tool: null,
    quantity: '0',
    credits: '0',
    unit_price_micro_minor: '0',
    share: '0',
    currency: payout.currency,
    platform_exact: '0',
    refund_id: null,
    reverses_id: null,
    grant_id: null,
  };
  await insertAccruals(trx, [
    { ...carry, id: `carry:${payout.id}:out`, kind: 'carry_out', publisher_exact: (-remainderExact).toString(), occurred_at: new Date(asOf.getTime() - 1), payout_id: payout.id },
    { ...carry, id: `carry:${payout.id}:in`, kind: 'carry_in', publisher_exact: remainderExact.toString(), occurred_at: new Date(asOf.getTime() - 1), payout_id: null },
  ]);
}

/** The intent: amount, destination and the first attempt's idempotency key, recorded before Stripe is called. */
async function markPrepared(
  trx: Knex.Transaction,
  payout: PayoutRow,
  publisher: PublisherRow,
  asOf: Date,
  decision: Extract<PayoutDecision, { kind: 'transfer' }>,
): Promise<PayoutRow> {
  const key = transferIdempotencyKey(payout.publisher_id, payout.period, 1);
  const row = await updatePayoutIf(trx, { id: payout.id, status: EVALUABLE }, {
    ...evaluated(asOf, decision),
    carried_exact: decision.remainderExact.toString(),
    status: 'pending',
    attempts: 1,
    idempotency_key: key,
    destination: publisher.stripe_account_id,
    failure_code: null,
    failure_reason: null,
  });
  await insertAttempt(trx, { payout_id: payout.id, attempt: 1, idempotency_key: key, amount: decision.amount, destination: publisher.stripe_account_id! });
  return row!;
}

/**
 * Step 1 of a payout (the intent, committed before Stripe is called). Idempotent:
 *
 * - paid / failed: returned as is (a failed payout moves again only through a finance-ops retry).
 * - pending with an attempt: already prepared (a resumed or concurrent run), returned as is.
 * - new (pending, no attempt), held or carried_forward: evaluated now. The publisher's unsettled
 *   accruals before `asOf` are summed; below the minimum → carried_forward; no usable connected
 *   account → held (both leave the accruals pending for the next run); otherwise they are
 *   reserved for this payout (payout_id), floor(pending) becomes the amount, and the sub-minor
 *   remainder moves to the next period as a carry_out / carry_in pair.
 */
export async function preparePayout(db: Knex, config: Pick<Config, 'PAYOUT_MINIMUM'>, input: { payoutId: string; asOf: Date }): Promise<Prepared> {
  return db.transaction(async (trx) => {
    const payout = await lockPayout(trx, input.payoutId);
    if (!payout) throw new NotFoundError('Payout', input.payoutId);
    if (isAlreadyPrepared(payout)) return view(payout);

    const publisher = (await lockPublisher(trx, payout.publisher_id))!;
    const blocked = unusableAccount(publisher);
    const decision = await decideAndReserve(trx, config, payout, input.asOf, blocked === null);
    if (decision.kind === 'carry_forward') return view(await markCarriedForward(trx, payout, input.asOf, decision));
    if (blocked) return view(await markHeld(trx, payout, input.asOf, decision, blocked));

    await carryRemainder(trx, payout, input.asOf, decision.remainderExact);
    return view(await markPrepared(trx, payout, publisher, input.asOf, decision));
  });
}
