import type { Knex } from 'knex';
import { noteDebitForAutoRecharge } from '../auto-recharge/crossing-watch';
import type { DebitOutcome, DebitRequest } from '../credits/debit';
import { debit } from '../credits/debit-batcher';
import { checkReplay } from '../credits/ledger.service';
import { findEntryByKey, lockBalance, spendableBalances } from '../credits/ledger.queries';
import { findUsageEventByEntry } from '../credits/usage.queries';
import { answerUsage, prepareUsage, usageResponse, type PreparedUsage, type UsageInput, type UsageItemInput } from '../credits/usage.service';
import { microToCredits } from '../shared/amounts';
import { AppError, ConflictError, NotFoundError } from '../shared/errors';
import { inJsonbKeyOrder } from '../shared/jsonb-order';
import { captureAmount } from './compute/capture-amount';
import { statusOf } from './hold-views';
import { findHold, findHoldByCaptureEntry, heldCredits, lockHold, markCaptured, overageAllowed, type HoldRow } from './holds.queries';

export interface CaptureHoldInput {
  accountId: string;
  holdId: string;
  items: UsageItemInput[];
  markup: 'agent' | null;
  timestamp: Date | null;
  idempotencyKey: string;
  requestHash: string;
  purchaseUrl?: string;
}

const captureAnswer = (usage: ReturnType<typeof usageResponse>, hold: Pick<HoldRow, 'id'>, uncaptured: bigint | string) => ({
  ...usage,
  hold_id: hold.id,
  uncaptured_credits: microToCredits(uncaptured),
});

/** The answer, and the debit it committed (none for a replay). */
interface Captured {
  answer: { replayed: boolean; body: ReturnType<typeof captureAnswer> };
  debited: { request: DebitRequest; outcome: DebitOutcome } | null;
}

/** The usage as charged when a hard-limit plan could not cover all of it: the rest is its own line. */
function capped(prepared: PreparedUsage, charge: bigint, uncaptured: bigint): PreparedUsage {
  const line = inJsonbKeyOrder({ type: 'uncaptured', description: 'Beyond the hold and the balance on a plan without overage: not charged', credits: -microToCredits(uncaptured) });
  const breakdown = [...prepared.breakdown, line];
  const usage = { ...prepared.request.usage, credits_charged: charge, breakdown };
  return { ...prepared, breakdown, request: { ...prepared.request, amount: charge, usage } };
}

/**
 * POST /v1/holds/:id/capture: the actual usage, recorded exactly as POST /v1/usage records it
 * (same pricing, breakdown, accruals, ledger entry), in one transaction with the hold's end.
 * Order: the balance row lock (as every debit), the idempotency key (a replay answers the
 * original), the hold's row lock and state, then the hold is marked captured *before* the debit
 * runs, so the debit function no longer counts it as reserved, and the debit spends it.
 */
export async function captureHold(db: Knex, input: CaptureHoldInput) {
  const known = await findHold(db, input.accountId, input.holdId);
  if (!known) throw new NotFoundError('Hold', input.holdId);
  const usageInput: UsageInput = {
    accountId: input.accountId,
    idempotencyKey: input.idempotencyKey,
    requestHash: input.requestHash,
    agent: known.agent,
    taskId: known.task_id,
    timestamp: input.timestamp,
    markup: input.markup,
    items: input.items,
    purchaseUrl: input.purchaseUrl,
  };
  // Pricing reads caches and the catalog: done before the transaction, which then stays short.
  const prepared = await prepareUsage(db, usageInput);
  const description = `${prepared.request.description ?? 'Usage'}, captured from hold ${input.holdId}`;

  const { answer, debited } = await db.transaction(async (trx): Promise<Captured> => {
    if (!(await lockBalance(trx, input.accountId, 'credits'))) throw new NotFoundError('Account', input.accountId);
    const earlier = await findEntryByKey(trx, input.accountId, input.idempotencyKey);
    if (earlier) {
      checkReplay({ requestHash: earlier.request_hash, idempotencyKey: earlier.idempotency_key }, input.requestHash);
      // one connection: queries of a transaction run one after the other
      const event = await findUsageEventByEntry(trx, earlier.id);
      const hold = await findHoldByCaptureEntry(trx, earlier.id);
      return { answer: { replayed: true, body: captureAnswer(usageResponse(event!), hold!, hold!.uncaptured!) }, debited: null };
    }
    const hold = await lockHold(trx, input.accountId, input.holdId);
    if (!hold) throw new NotFoundError('Hold', input.holdId);
    if (!hold.live) {
      throw new ConflictError(`Hold ${hold.id} is ${statusOf(hold)}; only an active hold can be captured`, { id: hold.id, status: statusOf(hold) });
    }

    const spendable = await spendableBalances(trx, input.accountId, prepared.at);
    const othersHeld = await heldCredits(trx, input.accountId, hold.id);
    const overage = await overageAllowed(trx, input.accountId);
    const { charge, uncaptured } = captureAmount({ actual: prepared.priced.charged, available: spendable.credits - othersHeld, overageAllowed: overage });
    const charged = uncaptured > 0n ? capped(prepared, charge, uncaptured) : prepared;
    const final = { ...charged, request: { ...charged.request, description } };

    await markCaptured(trx, hold.id, { entryId: final.entryId, captured: charge, uncaptured });
    const outcome = await debit(trx, final.request);
    // The key was looked up under the lock this transaction still holds: a replay cannot happen here.
    if (outcome.kind === 'replay') throw new AppError(500, 'internal', `capture of ${hold.id} met its own key twice`);
    const usage = await answerUsage(trx, usageInput, final, outcome);
    return { answer: { replayed: false, body: captureAnswer(usage.body, hold, uncaptured) }, debited: { request: final.request, outcome } };
  });
  // Like every committed debit, a capture may cross the account's auto-recharge threshold.
  if (debited) noteDebitForAutoRecharge(db, debited.request, debited.outcome);
  return answer;
}
