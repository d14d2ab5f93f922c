import type { Logger } from 'pino';
import type { WebhookContext } from './webhook-context';
import { drainInbox } from './webhook-dispatch';

/**
 * The prompt hand-off of acknowledged webhooks. The endpoint stores an event and answers 2xx,
 * then dispatches it; when that dispatch never happens (the process died) or fails (Temporal
 * down), this loop hands the event on within seconds of Temporal answering again, instead of at
 * the next 15-minute reconcile (which stays as the last net).
 *
 * Cheap when idle: one query on the partial index of unprocessed events per tick. With work to
 * do it first asks Temporal whether it answers, so an outage costs one probe per backoff step,
 * not one failed attempt per event.
 */
export interface InboxHandoff {
  stop(): Promise<void>;
}

export interface InboxHandoffOptions {
  /** Between looks at an empty inbox. */
  intervalMs: number;
  /** Younger events are still being dispatched by the request that stored them. */
  olderThanMs: number;
  /** Ceiling of the backoff while Temporal or the database is unreachable. */
  maxBackoffMs: number;
  batch: number;
}

const DEFAULTS: InboxHandoffOptions = { intervalMs: 2000, olderThanMs: 3000, maxBackoffMs: 5000, batch: 100 };
const PROBE_MS = 2000;
const BATCH_DEADLINE_MS = 30_000;

export function startInboxHandoff(ctx: WebhookContext, log: Logger, overrides: Partial<InboxHandoffOptions> = {}): InboxHandoff {
  const options = { ...DEFAULTS, ...overrides };
  let stopping = false;
  let timer: NodeJS.Timeout | null = null;
  let backoffMs = 0;
  let outage: string | null = null;

  const temporalAnswers = () =>
    ctx.temporal.withDeadline(Date.now() + PROBE_MS, () => ctx.temporal.workflowService.getSystemInfo({})).then(
      () => true,
      () => false,
    );

  /** One pass: drains until the inbox has no due event, or says why it could not. */
  const pass = async (): Promise<'idle' | 'blocked'> => {
    for (;;) {
      const due = await ctx.db('stripe_events')
        .whereNull('processed_at')
        .where('received_at', '<', new Date(Date.now() - options.olderThanMs))
        .first('id');
      if (!due) return 'idle';
      if (!(await temporalAnswers())) {
        noteOutage('Temporal is unreachable');
        return 'blocked';
      }
      const result = await ctx.temporal.withDeadline(Date.now() + BATCH_DEADLINE_MS, () =>
        drainInbox(ctx, { olderThanMs: options.olderThanMs, limit: options.batch }),
      );
      if (result.redispatched > 0) log.info(result, 'webhook inbox: acknowledged events handed on');
      if (result.failed > 0) {
        noteOutage(`${result.failed} hand-off(s) failed`);
        return 'blocked';
      }
      if (result.redispatched < options.batch) return 'idle';
    }
  };

  const noteOutage = (reason: string) => {
    if (outage === null) log.warn({ reason }, 'webhook inbox: hand-off waits; retrying with backoff');
    outage = reason;
  };

  const tick = async () => {
    timer = null;
    if (stopping) return;
    let outcome: 'idle' | 'blocked';
    try {
      outcome = await pass();
    } catch (error) {
      noteOutage(error instanceof Error ? error.message : String(error));
      outcome = 'blocked';
    }
    if (outcome === 'idle') {
      if (outage !== null) log.info('webhook inbox: hand-off recovered');
      outage = null;
      backoffMs = 0;
    } else {
      backoffMs = Math.min(Math.max(backoffMs * 2, 500), options.maxBackoffMs);
    }
    schedule(outcome === 'idle' ? options.intervalMs : backoffMs);
  };

  let running: Promise<void> = Promise.resolve();
  const schedule = (ms: number) => {
    if (stopping) return;
    timer = setTimeout(() => {
      running = tick();
    }, ms);
    timer.unref();
  };

  // At start: events a previous process stored and never dispatched are handed on now.
  running = tick();

  return {
    async stop() {
      stopping = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
