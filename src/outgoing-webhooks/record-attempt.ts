import type { Knex } from 'knex';
import { nextRetry } from './compute/backoff';
import type { ClaimedDelivery } from './claim-deliveries';
import type { AttemptResult } from './send-attempt';

export type AttemptOutcome = 'delivered' | 'retry' | 'failed' | 'gone';

/** Classifies an answer: 2xx delivered, 410 Gone disables the endpoint, anything else retries. */
export function outcomeOf(result: Pick<AttemptResult, 'statusCode'>): 'delivered' | 'gone' | 'failed_attempt' {
  if (result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300) return 'delivered';
  if (result.statusCode === 410) return 'gone';
  return 'failed_attempt';
}

/**
 * Writes an attempt into the log and moves its delivery on: delivered, due again after the
 * backoff, or failed after 3 days. Guarded by the attempt number, so an attempt whose lease ran
 * out (and was taken again) cannot overwrite the newer attempt's result. A 410 disables the
 * endpoint and fails what was still pending for it, in one transaction.
 */
export async function recordAttempt(db: Knex, delivery: ClaimedDelivery, result: AttemptResult, now = new Date(), random = Math.random()): Promise<AttemptOutcome> {
  const kind = outcomeOf(result);
  return db.transaction(async (trx) => {
    await trx('webhook_delivery_attempts').insert({ delivery_id: delivery.id, attempt: delivery.attempts, status_code: result.statusCode, error: result.error, duration_ms: result.durationMs });
    const current = trx('webhook_deliveries').where({ id: delivery.id, status: 'pending', attempts: delivery.attempts });
    const common = { last_status_code: result.statusCode, last_error: result.error, updated_at: trx.fn.now() };
    if (kind === 'delivered') {
      await current.update({ ...common, status: 'delivered', delivered_at: trx.fn.now(), next_attempt_at: null });
      return 'delivered';
    }
    if (kind === 'gone') {
      await current.update({ ...common, status: 'failed', next_attempt_at: null });
      await trx('webhook_endpoints').where({ id: delivery.endpoint_id }).update({ enabled: false, disabled_reason: 'the receiver answered 410 Gone', updated_at: trx.fn.now() });
      await trx('webhook_deliveries')
        .where({ endpoint_id: delivery.endpoint_id, status: 'pending' })
        .update({ status: 'failed', next_attempt_at: null, last_error: 'endpoint disabled: the receiver answered 410 Gone', updated_at: trx.fn.now() });
      return 'gone';
    }
    const decision = nextRetry({ attempts: delivery.attempts, createdAt: new Date(delivery.created_at), now, random });
    if (decision.kind === 'give_up') {
      await current.update({ ...common, status: 'failed', next_attempt_at: null });
      return 'failed';
    }
    await current.update({ ...common, next_attempt_at: decision.at });
    return 'retry';
  });
}

/**
 * Successful attempts, many in one statement (the common case under load: one round trip and one
 * commit for a batch instead of one transaction each). Same guard as recordAttempt: an attempt
 * that lost its lease writes its log row but does not move the delivery.
 */
export async function recordDelivered(db: Knex, attempts: Array<{ delivery: ClaimedDelivery; result: AttemptResult }>): Promise<void> {
  if (attempts.length === 0) return;
  await db.raw(
    `with r as (
       select * from unnest(?::text[], ?::int[], ?::int[], ?::int[]) as r(delivery_id, attempt, status_code, duration_ms)
     ), logged as (
       insert into webhook_delivery_attempts (delivery_id, attempt, status_code, duration_ms)
       select delivery_id, attempt, status_code, duration_ms from r
     )
     update webhook_deliveries d
        set status = 'delivered', delivered_at = now(), next_attempt_at = null, last_status_code = r.status_code, last_error = null, updated_at = now()
       from r
      where d.id = any(?::text[]) and d.id = r.delivery_id and d.status = 'pending' and d.attempts = r.attempt`,
    [
      attempts.map((a) => a.delivery.id),
      attempts.map((a) => a.delivery.attempts),
      attempts.map((a) => a.result.statusCode ?? 0), // a success always has one
      attempts.map((a) => a.result.durationMs),
      attempts.map((a) => a.delivery.id),
    ],
  );
}
