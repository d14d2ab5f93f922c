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

interface Success {
  delivery: ClaimedDelivery;
  result: AttemptResult;
}

/**
 * Successes are written together, a batch per round trip; a failure (rarer, and it decides a
 * retry time or disables an endpoint) is written on its own at once.
 */
function successWriter(db: Knex, session: DeliverySession) {
  let pending: Success[] = [];
  let flushing: Promise<void> = Promise.resolve();
  const flush = () => {
    const batch = pending;
    pending = [];
    flushing = flushing.then(() => recordDelivered(db, batch)).then(() => {
      session.delivered += batch.length;
    }, () => undefined); // not recorded (the database went away): the lease brings them back
    return flushing;
  };
  return {
    flush,
    /** A full batch is written before the attempt that filled it counts as finished. */
    async add(success: Success) {
      pending.push(success);
      if (pending.length >= FLUSH_AT) await flush();
    },
  };
}

/** The pause between idle rounds; `wake` cuts it short when an attempt ends and frees a slot. */
function idlePause() {
  let wake: (() => void) | null = null;
  return {
    wake: () => wake?.(),
    async wait(ms: number) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = null;
    },
  };
}

interface SessionState {
  db: Knex;
  allowPrivate: boolean;
  /** attempts in flight per endpoint: the claim leaves endpoints at their limit out */
  inFlight: Map<string, number>;
  running: Set<Promise<void>>;
  session: DeliverySession;
  successes: ReturnType<typeof successWriter>;
  pause: ReturnType<typeof idlePause>;
}

/** Sends one claimed delivery (unless its url is refused) and records the outcome. */
async function attemptDelivery(state: SessionState, delivery: ClaimedDelivery): Promise<void> {
  const problem = state.allowPrivate ? null : await receiverUrlProblem(delivery.url, false);
  const result = problem ? { statusCode: null, error: `not sent: url ${problem}`, durationMs: 0 } : await sendAttempt(delivery);
  observeWebhookAttempt(outcomeOf(result));
  if (outcomeOf(result) === 'delivered') {
    await state.successes.add({ delivery, result });
    return;
  }
  await recordAttempt(state.db, delivery, result);
}

function releaseSlot(inFlight: Map<string, number>, endpointId: string): void {
  const left = (inFlight.get(endpointId) ?? 1) - 1;
  if (left === 0) inFlight.delete(endpointId);
  else inFlight.set(endpointId, left);
}

/** Starts an attempt without waiting for it: its slot is freed, and an idle pause woken, when it ends. */
function startAttempt(state: SessionState, delivery: ClaimedDelivery): void {
  state.inFlight.set(delivery.endpoint_id, (state.inFlight.get(delivery.endpoint_id) ?? 0) + 1);
  state.session.attempted += 1;
  const task: Promise<void> = attemptDelivery(state, delivery)
    .catch(() => undefined) // not recorded (the database went away): the lease brings it back
    .finally(() => {
      releaseSlot(state.inFlight, delivery.endpoint_id);
      state.running.delete(task);
      state.pause.wake();
    });
  state.running.add(task);
}

/** One round: write the successes so far, fan new events out, claim the due deliveries and start them. False when there was nothing to do. */
async function runRound(state: SessionState, limits: { perEndpoint: number; total: number }): Promise<boolean> {
  await state.successes.flush();
  const fanned = await fanOutEvents(state.db);
  state.session.fannedOut += fanned;
  const claimed = await claimDueDeliveries(state.db, {
    inFlight: state.inFlight,
    perEndpoint: limits.perEndpoint,
    limit: limits.total - state.running.size,
    leaseSeconds: LEASE_SECONDS,
  });
  for (const delivery of claimed) startAttempt(state, delivery);
  return fanned !== 0 || claimed.length !== 0;
}

/**
 * One session of the delivery loop: fan new events out into deliveries, take the due ones and
 * send them, each attempt on its own (nothing waits for a round to finish, so a receiver that
 * hangs for 10 s delays only its own slots). Rounds follow each other at once while there is
 * work and every `idleMs` while there is none. The retry schedule lives in the database rows.
 */
export async function runDeliverySession(db: Knex, options: DeliveryLoopOptions): Promise<DeliverySession> {
  const limits = { perEndpoint: options.perEndpoint ?? 16, total: options.total ?? 200 };
  const idleMs = options.idleMs ?? 200;
  const deadline = Date.now() + options.seconds * 1000;
  const session: DeliverySession = { fannedOut: 0, attempted: 0, delivered: 0 };
  const state: SessionState = {
    db,
    allowPrivate: options.allowPrivate,
    inFlight: new Map(),
    running: new Set(),
    session,
    successes: successWriter(db, session),
    pause: idlePause(),
  };

  while (Date.now() < deadline && !options.signal?.aborted) {
    options.heartbeat?.();
    const hadWork = await runRound(state, limits);
    // nothing due: wait for the next round, or less when an attempt ends and frees a slot
    if (!hadWork) await state.pause.wait(idleMs);
  }
  await Promise.all(state.running);
  await state.successes.flush();
  return session;
}
