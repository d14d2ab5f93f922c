import type { Knex } from 'knex';
import { recordEvent } from '../outgoing-webhooks/record-event';
import { reverseAccrualsFundedBy } from '../payouts/reverse-accruals';
import type Stripe from 'stripe';
import { checkReplay, reduceGrantWithEntry, type Posted } from '../credits/ledger.service';
import { findGrant, lockBalance, type GrantRow } from '../credits/ledger.queries';
import { classifyStripeError, createStripeRefund } from '../integrations/stripe/checkout';
import { microToCredits, minorToMajor } from '../shared/amounts';
import { AppError, ConflictError, NotFoundError, UnavailableError, ValidationError } from '../shared/errors';
import { newId } from '../shared/ids';
import type { Unit } from '../credits/compute/burn-order';
import type { RefundOutcome } from './checkout.types';
import { computeRefundSplit, type RefundSplit } from './compute/refund-split';
import { findPaymentOrder, lockPaymentOrder, updateOrderFrom, type PaymentOrderRow } from './payment-orders.queries';
import {
  findRefund,
  findRefundByIdempotencyKey,
  findStripeOriginRefund,
  insertRefund,
  lockRefund,
  sumRefunds,
  updateRefundFrom,
  type RefundRow,
} from './refunds.queries';
import type { RefundObject } from './webhook-events';

/**
 * A refund as the admin routes answer it. The refund row counts in its purchase's unit: a token
 * purchase's whole tokens are `tokens_clawed_back` / `tokens_unrecoverable` (with `unit: "tokens"`)
 * and its credit figures are 0, as on the purchase itself; a credit purchase's answer is unchanged.
 */
export function refundBody(row: RefundRow, unit: Unit = 'credits') {
  const tokens = unit === 'tokens';
  const credits = (micro: string) => (tokens ? 0 : microToCredits(micro));
  return {
    refund_id: row.id,
    purchase_id: row.purchase_id,
    status: row.status,
    amount: minorToMajor(row.amount_minor),
    currency: row.currency,
    stripe_refund_id: row.stripe_refund_id,
    credits_clawed_back: credits(row.credits_clawed_back),
    credits_unrecoverable: credits(row.credits_unrecoverable),
    ...(tokens ? { unit: 'tokens' as const, tokens_clawed_back: Number(row.credits_clawed_back), tokens_unrecoverable: Number(row.credits_unrecoverable) } : {}),
    failure_reason: row.failure_reason,
  };
}

export interface AdminRefundInput {
  purchaseId: string;
  /** minor units; null = everything still refundable */
  amountMinor: bigint | null;
  idempotencyKey: string | null;
  requestHash: string;
}

/** Intent under the order's lock: checks what is still refundable and records the refund as requested. */
async function recordRefundIntent(db: Knex, input: AdminRefundInput): Promise<RefundRow> {
  return db.transaction(async (trx) => {
    const order = await lockPaymentOrder(trx, input.purchaseId);
    if (!order) throw new NotFoundError('Purchase', input.purchaseId);
    if (order.source !== 'checkout') throw new ConflictError('A manual payment order is refunded outside Stripe', { purchase_id: order.id, source: order.source });
    if (!['fulfilled', 'review'].includes(order.status) || !order.stripe_payment_intent) {
      throw new ConflictError(`Purchase ${order.id} is ${order.status}; only a paid purchase can be refunded`, { purchase_id: order.id, status: order.status });
    }
    const charged = BigInt(order.amount_charged_minor ?? order.amount_due_minor);
    const committed = await sumRefunds(trx, order.id, ['requested', 'submitted', 'succeeded', 'applied']);
    const refundable = charged - committed;
    if (refundable <= 0n) throw new ConflictError(`Purchase ${order.id} is already fully refunded`, { purchase_id: order.id });
    const amount = input.amountMinor ?? refundable;
    if (amount > refundable) {
      throw new ValidationError(`amount exceeds what is still refundable (${minorToMajor(refundable)} ${order.currency})`, {
        field: 'amount',
        refundable: minorToMajor(refundable),
      });
    }
    const row = await insertRefund(trx, {
      id: newId('ref'),
      purchase_id: order.id,
      account_id: order.account_id,
      origin: 'admin',
      status: 'requested',
      requested_amount_minor: amount,
      amount_minor: amount,
      currency: order.currency,
      stripe_refund_id: null,
      stripe_charge_id: null,
      idempotency_key: input.idempotencyKey,
      request_hash: input.requestHash,
      event_id: null,
    });
    if (!row) throw new ConflictError('A refund with this Idempotency-Key is being created; retry shortly', {}, 'idempotency_conflict');
    return row;
  });
}

/**
 * POST /v1/admin/purchases/:id/refund: commit the intent, ask Stripe (idempotency key
 * refund:<purchase>:<refund>), record the answer. Credits are clawed back only when the signed
 * charge.refunded webhook confirms the refund.
 */
export async function requestAdminRefund(deps: { db: Knex; stripe: Stripe }, input: AdminRefundInput): Promise<{ refund: RefundRow; replayed: boolean }> {
  let row = input.idempotencyKey ? await findRefundByIdempotencyKey(deps.db, input.purchaseId, input.idempotencyKey) : null;
  const replayed = row !== null;
  if (row) checkReplay({ requestHash: row.request_hash, idempotencyKey: row.idempotency_key! }, input.requestHash);
  row ??= await recordRefundIntent(deps.db, input);
  if (row.status !== 'requested') return { refund: row, replayed };

  const order = (await findPaymentOrder(deps.db, row.purchase_id))!;
  try {
    const stripeRefund = await createStripeRefund(deps.stripe, {
      refundId: row.id,
      purchaseId: order.id,
      accountId: order.account_id,
      paymentIntent: order.stripe_payment_intent!,
      amountMinor: BigInt(row.amount_minor),
    });
    const submitted = await updateRefundFrom(deps.db, row.id, ['requested'], { status: 'submitted', stripe_refund_id: stripeRefund.id });
    return { refund: submitted ?? (await findRefund(deps.db, row.id))!, replayed };
  } catch (error) {
    if (classifyStripeError(error) === 'invalid_request') {
      const reason = error instanceof Error ? error.message : String(error);
      await updateRefundFrom(deps.db, row.id, ['requested'], { status: 'failed', failure_reason: `Stripe refused the refund: ${reason}` });
      throw new ConflictError(`Stripe refused the refund: ${reason}`, { refund_id: row.id });
    }
    throw new UnavailableError('Stripe could not be reached; retry with the same Idempotency-Key', {
      refund_id: row.id,
      reason: error instanceof Error ? error.message : String(error),
    });
  }
}

/**
 * A succeeded refund seen in a signed charge.refunded event: confirms our row (found by the
 * metadata.refund_id we set) or records a refund made in Stripe itself (found by its Stripe id).
 */
export async function recordConfirmedRefund(
  db: Knex,
  order: PaymentOrderRow,
  refund: RefundObject,
  seen: { chargeId: string; eventId: string },
): Promise<RefundRow> {
  const confirmed = { stripe_refund_id: refund.id, stripe_charge_id: seen.chargeId, amount_minor: String(refund.amount), currency: refund.currency.toLowerCase(), event_id: seen.eventId };
  const ours = refund.metadata?.refund_id;
  if (ours) {
    const row = await findRefund(db, ours);
    if (row && row.purchase_id === order.id) {
      return (await updateRefundFrom(db, row.id, ['requested', 'submitted', 'failed'], { ...confirmed, status: 'succeeded', failure_reason: null })) ?? (await findRefund(db, row.id))!;
    }
  }
  const existing = await findStripeOriginRefund(db, refund.id);
  if (existing) return existing;
  const inserted = await insertRefund(db, {
    id: newId('ref'),
    purchase_id: order.id,
    account_id: order.account_id,
    origin: 'stripe',
    status: 'succeeded',
    requested_amount_minor: null,
    amount_minor: BigInt(refund.amount),
    currency: confirmed.currency,
    stripe_refund_id: refund.id,
    stripe_charge_id: seen.chargeId,
    idempotency_key: null,
    request_hash: null,
    event_id: seen.eventId,
  });
  return inserted ?? (await findStripeOriginRefund(db, refund.id))!;
}

/** A quantity of the order's unit in words: micro-credits as credits, tokens as tokens. */
const quantityText = (order: PaymentOrderRow, amount: bigint) => (order.unit === 'tokens' ? `${amount} tokens` : `${microToCredits(amount)} credits`);

/** Retryable (503): the purchase's payment has not been settled by checkoutToCredit yet. */
export class PurchaseNotSettledError extends AppError {
  constructor(purchaseId: string) {
    super(503, 'purchase_not_settled', `Purchase ${purchaseId} is still pending; its refund waits for the credit`, { purchase_id: purchaseId });
  }
}

function appliedOutcome(kind: 'applied' | 'already_applied', row: RefundRow, orderStatus: PaymentOrderRow['status']): RefundOutcome {
  return {
    kind,
    refundId: row.id,
    creditsEntitled: row.credits_entitled,
    creditsClawedBack: row.credits_clawed_back,
    creditsUnrecoverable: row.credits_unrecoverable,
    ledgerEntryId: row.ledger_entry_id,
    orderStatus,
  };
}

/**
 * The answers given without applying, under the locks: already applied, not confirmed by Stripe,
 * not settled yet (retryable), or in a currency the order cannot take (the refund is marked
 * failed). Null when the refund is to be applied now.
 */
async function outcomeWithoutApplying(trx: Knex.Transaction, order: PaymentOrderRow, refund: RefundRow): Promise<RefundOutcome | null> {
  if (refund.status === 'applied') return appliedOutcome('already_applied', refund, order.status);
  if (refund.status !== 'succeeded') return { kind: 'not_applicable', reason: `refund is ${refund.status}, not confirmed by Stripe` };
  if (order.status === 'pending') throw new PurchaseNotSettledError(order.id);
  if (refund.currency !== order.currency) {
    await updateRefundFrom(trx, refund.id, ['succeeded'], { status: 'failed', failure_reason: `refund currency ${refund.currency} is not the order's ${order.currency}` });
    return { kind: 'not_applicable', reason: 'currency mismatch' };
  }
  return null;
}

interface RefundPlan {
  grant: GrantRow | null;
  charged: bigint;
  refundedBefore: bigint;
  split: RefundSplit;
}

/** The balance is locked before the grant is read, so the split sees what concurrent debits left of it. */
async function planRefund(trx: Knex.Transaction, order: PaymentOrderRow, refund: RefundRow): Promise<RefundPlan> {
  await lockBalance(trx, order.account_id, order.unit);
  const grant = order.grant_id ? await findGrant(trx, order.grant_id) : null;
  const refundedBefore = await sumRefunds(trx, order.id, ['applied']);
  const charged = BigInt(order.amount_charged_minor ?? order.amount_due_minor);
  const split = computeRefundSplit({
    creditsGranted: BigInt(order.credits_added),
    amountCharged: charged,
    refundedBefore,
    refundAmount: BigInt(refund.amount_minor),
    grantRemaining: grant ? BigInt(grant.remaining) : 0n,
  });
  return { grant, charged, refundedBefore, split };
}

/** Takes the refund's share out of the purchase's grant (ledger key refund:<refund id>); null when there is nothing to take. */
async function clawBackFromGrant(trx: Knex.Transaction, order: PaymentOrderRow, refund: RefundRow, plan: RefundPlan): Promise<Posted | null> {
  const { grant, split } = plan;
  if (!grant || split.clawBack <= 0n) return null;
  return reduceGrantWithEntry(trx, {
    grantId: grant.id,
    amount: split.clawBack,
    type: 'refund',
    idempotencyKey: `refund:${refund.id}`,
    reference: order.id,
    description:
      `Refund ${refund.id} of purchase ${order.id}: ${quantityText(order, split.clawBack)} clawed back` +
      (split.unrecoverable > 0n ? `; ${quantityText(order, split.unrecoverable)} already spent, not recoverable` : ''),
  });
}

/** What was entitled but already spent is recorded as unrecoverable on the refund row. */
async function markRefundApplied(trx: Knex.Transaction, refund: RefundRow, split: RefundSplit, clawed: bigint, posted: Posted | null): Promise<RefundRow> {
  const applied = await updateRefundFrom(trx, refund.id, ['succeeded'], {
    status: 'applied',
    credits_entitled: split.entitled.toString(),
    credits_clawed_back: clawed.toString(),
    credits_unrecoverable: (split.entitled - clawed).toString(),
    ledger_entry_id: posted?.entry.id ?? null,
    applied_at: new Date(),
  });
  return applied!;
}

/** Adds the refund to the order's totals; the order becomes refunded once all it charged is refunded. */
async function addRefundToOrder(trx: Knex.Transaction, order: PaymentOrderRow, refundedAfter: bigint, fullyRefunded: boolean, clawed: bigint) {
  return updateOrderFrom(trx, order.id, [order.status], {
    amount_refunded_minor: refundedAfter.toString(),
    credits_clawed_back: (BigInt(order.credits_clawed_back) + clawed).toString(),
    ...(fullyRefunded ? { status: 'refunded' } : {}),
  });
}

async function recordRefundedEvent(trx: Knex.Transaction, order: PaymentOrderRow, refund: RefundRow, clawed: bigint, fullyRefunded: boolean): Promise<void> {
  await recordEvent(trx, {
    type: 'purchase.refunded',
    accountId: order.account_id,
    data: { purchase_id: order.id, refund_id: refund.id, amount: minorToMajor(refund.amount_minor), currency: refund.currency, ...(order.unit === 'tokens' ? { unit: 'tokens', tokens_clawed_back: Number(clawed) } : { credits_clawed_back: microToCredits(clawed) }), fully_refunded: fullyRefunded },
  });
}

/**
 * Applies one confirmed refund, once: under the order's and the balance's locks, its pro-rata
 * share of the purchased credits is taken out of the purchase's grant (ledger key
 * refund:<refund id>) as far as the grant still holds it; what was already spent is recorded on
 * the refund row and in the entry's description. A balance never goes negative.
 */
export async function applyRefund(db: Knex, refundId: string): Promise<RefundOutcome> {
  const unlocked = await findRefund(db, refundId);
  if (!unlocked) return { kind: 'not_applicable', reason: `refund ${refundId} not found` };
  return db.transaction(async (trx) => {
    await trx.raw(`set local lock_timeout = '5s'`);
    const order = (await lockPaymentOrder(trx, unlocked.purchase_id))!;
    const refund = (await lockRefund(trx, refundId))!;
    const early = await outcomeWithoutApplying(trx, order, refund);
    if (early) return early;

    const plan = await planRefund(trx, order, refund);
    const posted = await clawBackFromGrant(trx, order, refund, plan);
    const clawed = posted ? -BigInt(posted.entry.amount) : 0n;
    // Publishers' earnings that this purchase funded shrink pro rata (negative carry-forward).
    if (plan.grant) await reverseAccrualsFundedBy(trx, { grantId: plan.grant.id, refundId: refund.id, fraction: { num: refund.amount_minor, den: plan.charged } });
    const applied = await markRefundApplied(trx, refund, plan.split, clawed, posted);
    const refundedAfter = plan.refundedBefore + BigInt(refund.amount_minor);
    const fullyRefunded = refundedAfter >= plan.charged;
    const updated = await addRefundToOrder(trx, order, refundedAfter, fullyRefunded, clawed);
    await recordRefundedEvent(trx, order, refund, clawed, fullyRefunded);
    return appliedOutcome('applied', applied, updated?.status ?? order.status);
  });
}
