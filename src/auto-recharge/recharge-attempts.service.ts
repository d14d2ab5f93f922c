import type { Knex } from 'knex';
import type { Config } from '../config/config';
import { postCredit } from '../credits/ledger.service';
import { microToCredits } from '../shared/amounts';
import { autoRechargeKey, type BeginOutcome, type ChargeOutcome, type Crossing, type FinishOutcome } from './auto-recharge.types';
import { lockSettings, findPendingAttempt, insertAttempt, lastAttemptNumber, finishPendingAttempt, type AttemptRow } from './auto-recharge.queries';
import { rechargePrice } from './recharge-price';

/** A recharge never waits long for a lock: it fails and the activity is retried with backoff. */
const LOCK_TIMEOUT = '5s';

/**
 * Step 1 of a recharge: commit attempt n before Stripe is called. A pending attempt (a run that
 * stopped before finishing it) is charged again with the same key rather than a new one; a
 * crossing that finds the balance back at or above the threshold (recharged meanwhile) or
 * auto-recharge turned off charges nothing. The price is fixed here, so a retry sends the same
 * request even if the settings change meanwhile.
 */
export async function beginRecharge(deps: { db: Knex; config: Config }, input: { accountId: string; crossing: Crossing }): Promise<BeginOutcome> {
  return deps.db.transaction(async (trx) => {
    await trx.raw(`set local lock_timeout = '${LOCK_TIMEOUT}'`);
    // The settings row serialises beginnings per account (one workflow does them anyway).
    const settings = await lockSettings(trx, input.accountId);
    if (!settings?.enabled) return { kind: 'skipped', reason: 'disabled' } as const;
    const pending = await findPendingAttempt(trx, input.accountId);
    if (pending) return { kind: 'charge', n: pending.n, resumed: true } as const;
    const balance = await trx('balances').where({ account_id: input.accountId, unit: 'credits' }).first('balance');
    if (!balance || BigInt(balance.balance as string) >= BigInt(settings.threshold)) return { kind: 'skipped', reason: 'above_threshold' } as const;

    const n = (await lastAttemptNumber(trx, input.accountId)) + 1;
    const credits = BigInt(settings.recharge);
    const base = { account_id: input.accountId, n, credits: credits.toString(), crossing_entry_id: input.crossing.entryId };
    let price: { amountMinor: bigint; currency: string };
    try {
      price = rechargePrice(deps.config, credits);
    } catch (error) {
      // The unit price changed since the settings were saved: record why nothing was charged.
      const reason = `The recharge of ${microToCredits(credits)} credits cannot be priced: ${(error as Error).message}`;
      await insertAttempt(trx, { ...base, status: 'failed', amount_minor: '0', currency: deps.config.CREDIT_CURRENCY, failure_reason: reason, finished_at: new Date() });
      return { kind: 'failed', n, reason } as const;
    }
    const attempt = await insertAttempt(trx, { ...base, status: 'pending', amount_minor: price.amountMinor.toString(), currency: price.currency, failure_reason: null });
    if (!attempt) throw new Error(`auto-recharge attempt ${n} of ${input.accountId} could not be committed`); // retried
    return { kind: 'charge', n, resumed: false } as const;
  });
}

export function rechargeDescription(attempt: Pick<AttemptRow, 'credits'>): string {
  return `Auto-recharge of ${microToCredits(attempt.credits)} credits`;
}

/**
 * Step 3: Stripe's final answer, recorded once (guarded: only a pending attempt changes). A
 * successful charge credits a purchased grant under the ledger key `auto-recharge:<account>:<n>`,
 * in the same transaction, so a retried activity can neither credit twice nor lose the credit.
 */
export async function finishRecharge(db: Knex, input: { accountId: string; n: number; outcome: ChargeOutcome }): Promise<FinishOutcome> {
  return db.transaction(async (trx) => {
    await trx.raw(`set local lock_timeout = '${LOCK_TIMEOUT}'`);
    const attempt = (await trx('auto_recharge_attempts').where({ account_id: input.accountId, n: input.n }).forUpdate().first()) as AttemptRow | undefined;
    if (!attempt) throw new Error(`auto-recharge attempt ${input.n} of ${input.accountId} does not exist`);
    const { outcome } = input;
    if (attempt.status !== 'pending' || outcome.kind === 'already') return { kind: 'already', n: attempt.n, status: attempt.status } as const;
    const key = { account_id: attempt.account_id, n: attempt.n };
    if (outcome.kind === 'failed') {
      await finishPendingAttempt(trx, key, { status: 'failed', failure_reason: outcome.reason, payment_intent_id: outcome.paymentIntentId });
      return { kind: 'failed', n: attempt.n, reason: outcome.reason } as const;
    }
    const ledgerKey = autoRechargeKey(attempt.account_id, attempt.n);
    const posted = await postCredit(trx, {
      accountId: attempt.account_id,
      unit: 'credits',
      kind: 'purchased',
      amount: BigInt(attempt.credits),
      type: 'purchase',
      idempotencyKey: ledgerKey,
      source: ledgerKey,
      reference: outcome.paymentIntentId,
      description: rechargeDescription(attempt),
    });
    await finishPendingAttempt(trx, key, { status: 'succeeded', payment_intent_id: outcome.paymentIntentId, ledger_entry_id: posted.entry.id });
    return { kind: 'succeeded', n: attempt.n, ledgerEntryId: posted.entry.id, creditsAdded: attempt.credits } as const;
  });
}
