import type { Knex } from 'knex';
import { claimDueDeliveries, type ClaimedDelivery } from './claim-deliveries';
import { fanOutEvents } from './fan-out';
import { observeWebhookAttempt } from '../observability/process-metrics';
import { outcomeOf, recordAttempt, recordDelivered } from './record-attempt';
import { ATTEMPT_TIMEOUT_MS, sendAttempt, type AttemptResult } from './send-attempt';
import { receiverUrlProblem } from './url-safety';

export interface DeliveryLoopOptions {
  /** how long this session runs before it returns (the workflow starts the next one) */
  seconds: number;
  /** attempts in flight to one endpoint at most: a dead endpoint holds only these */
  perEndpoint?: number;
  /** attempts in flight in all */
  total?: number;
  /** pause between rounds while there is nothing to do: the commit-to-delivery latency when idle */
  idleMs?: number;
  allowPrivate: boolean;
  heartbeat?: () => void;
  signal?: AbortSignal;
}

export interface DeliverySession {
  fannedOut: number;
  attempted: number;
  delivered: number;
}

/** Successful attempts written in one statement at most; fewer are written at the next round. */
const FLUSH_AT = 200;

/** How long after a claim an unfinished attempt is presumed lost (its worker died). */
export const LEASE_SECONDS = ATTEMPT_TIMEOUT_MS / 1000 + 5;

/**
 * One session of the delivery loop: fan new events out into deliveries, take the due ones and
 * send them, each attempt on its own (nothing waits for a round to finish, so a receiver that
 * hangs for 10 s delays only its own slots). Rounds follow each other at once while there is
 * work and every `idleMs` while there is none. The retry schedule lives in the database rows.
 */
export async function runDeliverySession(db: Knex, options: DeliveryLoopOptions): Promise<DeliverySession> {
  const perEndpoint = options.perEndpoint ?? 16;
  const total = options.total ?? 200;
  const idleMs = options.idleMs ?? 200;
  const deadline = Date.now() + options.seconds * 1000;
  const inFlight = new Map<string, number>();
  const running = new Set<Promise<void>>();
  const session: DeliverySession = { fannedOut: 0, attempted: 0, delivered: 0 };
  let wake: (() => void) | null = null;

  // Successes are written together, a batch per round trip; a failure (rarer, and it decides a
  // retry time or disables an endpoint) is written on its own at once.
  let delivered: Array<{ delivery: ClaimedDelivery; result: AttemptResult }> = [];
  let flushing: Promise<void> = Promise.resolve();
  const flush = () => {
    const batch = delivered;
    delivered = [];
    flushing = flushing.then(() => recordDelivered(db, batch)).then(() => {
      session.delivered += batch.length;
    }, () => undefined); // not recorded (the database went away): the lease brings them back
    return flushing;
  };
  const attempt = async (delivery: ClaimedDelivery) => {
    const problem = options.allowPrivate ? null : await receiverUrlProblem(delivery.url, false);
    const result = problem ? { statusCode: null, error: `not sent: url ${problem}`, durationMs: 0 } : await sendAttempt(delivery);
    observeWebhookAttempt(outcomeOf(result));
    if (outcomeOf(result) === 'delivered') {
      delivered.push({ delivery, result });
      if (delivered.length >= FLUSH_AT) await flush();
      return;
    }
    await recordAttempt(db, delivery, result);
  };
  const start = (delivery: ClaimedDelivery) => {
    inFlight.set(delivery.endpoint_id, (inFlight.get(delivery.endpoint_id) ?? 0) + 1);
    session.attempted += 1;
    const task: Promise<void> = attempt(delivery)
      .catch(() => undefined) // not recorded (the database went away): the lease brings it back
      .finally(() => {
        const left = (inFlight.get(delivery.endpoint_id) ?? 1) - 1;
        if (left === 0) inFlight.delete(delivery.endpoint_id);
        else inFlight.set(delivery.endpoint_id, left);
        running.delete(task);
        wake?.();
      });
    running.add(task);
  };

  while (Date.now() < deadline && !options.signal?.aborted) {
    options.heartbeat?.();
    await flush();
    const fanned = await fanOutEvents(db);
    session.fannedOut += fanned;
    const claimed = await claimDueDeliveries(db, { inFlight, perEndpoint, limit: total - running.size, leaseSeconds: LEASE_SECONDS });
    for (const delivery of claimed) start(delivery);
    if (fanned === 0 && claimed.length === 0) {
      // nothing due: wait for the next round, or less when an attempt ends and frees a slot
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, idleMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = null;
    }
  }
  await Promise.all(running);
  await flush();
  return session;
}
