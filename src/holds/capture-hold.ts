import type { Knex } from 'knex';
import { noteDebitForAutoRecharge } from '../auto-recharge/crossing-watch';
import { outcomeOf } from '../credits/debit';
import { checkReplay } from '../credits/ledger.service';
import { UNCAPTURED_DESCRIPTION, uncapturedLine } from '../credits/usage-breakdown';
import { findUsageEventByEntry, storedBreakdownOf } from '../credits/usage.queries';
import { answerUsage, prepareUsage, usageResponse, type PreparedUsage, type UsageInput, type UsageItemInput } from '../credits/usage.service';
import type { CreditPricing } from '../payouts/payout-config';
import { microToCredits } from '../shared/amounts';
import { AppError, ConflictError, NotFoundError } from '../shared/errors';
import { submitCapture, type CaptureRow } from './capture-batcher';
import { findHold, findHoldByCaptureEntry, type HoldRow } from './holds.queries';

export interface CaptureHoldInput {
  accountId: string;
  holdId: string;
  items: UsageItemInput[];
  markup: 'agent' | null;
  timestamp: Date | null;
  idempotencyKey: string;
  requestHash: string;
  purchaseUrl?: string;
  creditPricing: CreditPricing;
}

const captureAnswer = (usage: ReturnType<typeof usageResponse>, hold: Pick<HoldRow, 'id'>, uncaptured: bigint | string) => ({
  ...usage,
  hold_id: hold.id,
  uncaptured_credits: microToCredits(uncaptured),
});

/**
 * The usage as charged when a hard-limit plan could not cover all of it: the rest is its own
 * line. `settle_capture_batch` stores the charge and the hold keeps the uncaptured amount, from
 * which readers rebuild the same line (usage-breakdown.ts); this is the answer's copy of it.
 */
function capped(prepared: PreparedUsage, charge: bigint, uncaptured: bigint): PreparedUsage {
  const breakdown = [...prepared.breakdown, uncapturedLine(uncaptured)];
  const usage = prepared.request.usage && { ...prepared.request.usage, credits_charged: charge };
  return { ...prepared, breakdown, request: { ...prepared.request, amount: charge, usage } };
}

/**
 * POST /v1/holds/:id/capture: the actual usage, recorded exactly as POST /v1/usage records it
 * (same pricing, breakdown, accruals, ledger entry), in the same database call as the hold's
 * end. Pricing reads caches and the catalog first; then one `settle_capture_batch` call, shared
 * with concurrent captures (src/holds/capture-batcher.ts), decides everything under the balance
 * row lock: the idempotency key (a replay answers the original), the hold's state (409 once
 * settled), the charge and the debit (migrations/sql/settle-capture.ts).
 */
export async function captureHold(db: Knex, input: CaptureHoldInput) {
  // the hold's agent and task are the usage's: read before pricing (a plain read, no lock)
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
    creditPricing: input.creditPricing,
  };
  const prepared = await prepareUsage(db, usageInput);
  const description = `${prepared.request.description ?? 'Usage'}, captured from hold ${input.holdId}`;
  const request = { ...prepared.request, description };
  const row = await submitCapture(db, { holdId: input.holdId, debit: request, uncapturedDescription: UNCAPTURED_DESCRIPTION });
  return answerCapture(db, input, usageInput, { ...prepared, request }, row);
}

async function answerCapture(db: Knex, input: CaptureHoldInput, usageInput: UsageInput, prepared: PreparedUsage, row: CaptureRow) {
  switch (row.outcome) {
    case 'not_found':
      throw new NotFoundError('Hold', input.holdId);
    case 'not_active':
      throw new ConflictError(`Hold ${input.holdId} is ${row.hold_status}; only an active hold can be captured`, { id: input.holdId, status: row.hold_status });
    case 'replay': {
      // The hash covers the endpoint and the hold, so a key first used elsewhere is a conflict here.
      checkReplay({ requestHash: row.request_hash, idempotencyKey: input.idempotencyKey }, input.requestHash);
      const [event, hold] = await Promise.all([findUsageEventByEntry(db, row.entry_id!), findHoldByCaptureEntry(db, row.entry_id!)]);
      if (!event || !hold) throw new AppError(500, 'internal', `capture key ${input.idempotencyKey} names no captured hold`);
      return { replayed: true, body: captureAnswer(usageResponse({ ...event, breakdown: await storedBreakdownOf(db, event) }), hold, hold.uncaptured!) };
    }
    case 'ok': {
      const charge = BigInt(row.charged!);
      const uncaptured = BigInt(row.uncaptured!);
      const charged = uncaptured > 0n ? capped(prepared, charge, uncaptured) : prepared;
      const outcome = outcomeOf({ ...row, outcome: 'ok' });
      // Like every committed debit, a capture may cross the account's auto-recharge threshold.
      noteDebitForAutoRecharge(db, charged.request, outcome);
      const usage = await answerUsage(db, usageInput, charged, outcome);
      return { replayed: false, body: captureAnswer(usage.body, { id: input.holdId }, uncaptured) };
    }
    case 'insufficient':
    case 'insufficient_tokens':
    case 'agent_limit':
    case 'closed_period':
    case 'no_account':
      // the debit's own refusals (agent limit, closed period, …), answered as POST /v1/usage answers them
      return answerUsage(db, usageInput, prepared, outcomeOf({ ...row, outcome: row.outcome }));
  }
}
