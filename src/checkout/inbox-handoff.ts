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

type PassOutcome = 'idle' | 'blocked';

/** One cheap probe, so an outage costs one request per backoff step rather than a failed attempt per event. */
const temporalAnswers = (ctx: WebhookContext): Promise<boolean> =>
  ctx.temporal.withDeadline(Date.now() + PROBE_MS, () => ctx.temporal.workflowService.getSystemInfo({})).then(
    () => true,
    () => false,
  );

/** Served by the partial index of unprocessed events: the whole cost of an idle tick. */
async function hasDueEvent(ctx: WebhookContext, olderThanMs: number): Promise<boolean> {
  const due = await ctx.db('stripe_events')
    .whereNull('processed_at')
    .where('received_at', '<', new Date(Date.now() - olderThanMs))
    .first('id');
  return Boolean(due);
}

/** Logs an outage when it starts and when it ends, not on every retry in between. */
function outageReporter(log: Logger) {
  let outage: string | null = null;
  return {
    note(reason: string) {
      if (outage === null) log.warn({ reason }, 'webhook inbox: hand-off waits; retrying with backoff');
      outage = reason;
    },
    clear() {
      if (outage !== null) log.info('webhook inbox: hand-off recovered');
      outage = null;
    },
  };
}
type OutageReporter = ReturnType<typeof outageReporter>;

/** One pass: drains until the inbox has no due event, or says why it could not. */
async function drainDueEvents(ctx: WebhookContext, log: Logger, options: InboxHandoffOptions, outage: OutageReporter): Promise<PassOutcome> {
  for (;;) {
    if (!(await hasDueEvent(ctx, options.olderThanMs))) return 'idle';
    if (!(await temporalAnswers(ctx))) {
      outage.note('Temporal is unreachable');
      return 'blocked';
    }
    const result = await ctx.temporal.withDeadline(Date.now() + BATCH_DEADLINE_MS, () =>
      drainInbox(ctx, { olderThanMs: options.olderThanMs, limit: options.batch }),
    );
    if (result.redispatched > 0) log.info(result, 'webhook inbox: acknowledged events handed on');
    if (result.failed > 0) {
      outage.note(`${result.failed} hand-off(s) failed`);
      return 'blocked';
    }
    if (result.redispatched < options.batch) return 'idle';
  }
}

/** A pass that never throws: an unreachable database counts as an outage like Temporal's, and the loop keeps going. */
async function passOrOutage(ctx: WebhookContext, log: Logger, options: InboxHandoffOptions, outage: OutageReporter): Promise<PassOutcome> {
  try {
    return await drainDueEvents(ctx, log, options, outage);
  } catch (error) {
    outage.note(error instanceof Error ? error.message : String(error));
    return 'blocked';
  }
}

const nextBackoffMs = (backoffMs: number, maxBackoffMs: number) => Math.min(Math.max(backoffMs * 2, 500), maxBackoffMs);

export function startInboxHandoff(ctx: WebhookContext, log: Logger, overrides: Partial<InboxHandoffOptions> = {}): InboxHandoff {
  const options = { ...DEFAULTS, ...overrides };
  const outage = outageReporter(log);
  let stopping = false;
  let timer: NodeJS.Timeout | null = null;
  let backoffMs = 0;

  const tick = async () => {
    timer = null;
    if (stopping) return;
    const outcome = await passOrOutage(ctx, log, options, outage);
    if (outcome === 'idle') {
      outage.clear();
      backoffMs = 0;
    } else {
      backoffMs = nextBackoffMs(backoffMs, options.maxBackoffMs);
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
