import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { DebitOutcome, DebitRequest } from '../credits/debit';
import type { Db } from '../db/knex';
import { signalAutoRecharge } from './auto-recharge-workflow-client';
import { enabledThresholds } from './auto-recharge.queries';
import { crossedThreshold } from './compute/crossing';

/** How stale the cached settings may get before a debit reloads them (other processes' PUTs). */
const REFRESH_MS = 5_000;

interface WatchDeps {
  db: Knex;
  temporal: Client;
  taskQueue: string;
  log: Logger;
}

/**
 * The debit path's side of auto-recharge. It must not slow debits down: accounts without
 * auto-recharge cost one map lookup, the enabled thresholds are read once per few seconds for the
 * whole process (not per debit), and a crossing is handed to Temporal without being awaited
 * (a failure is logged; the debit has already succeeded and answers as usual).
 */
class CrossingWatch {
  private thresholds = new Map<string, bigint>();
  private loadedAt = Number.NEGATIVE_INFINITY;
  private loading: Promise<void> | null = null;

  constructor(private readonly deps: WatchDeps) {}

  note(debit: { accountId: string; entryId: string; balanceAfter: bigint; charged: bigint; at: Date }): void {
    if (Date.now() - this.loadedAt < REFRESH_MS) this.check(debit);
    else void this.refresh().then(() => this.check(debit));
  }

  /** After a change in this process: the next debits see it at once. */
  async invalidate(): Promise<void> {
    await this.loading; // a load that began before the change may have read the old settings
    this.loadedAt = Number.NEGATIVE_INFINITY;
    await this.refresh();
  }

  refresh(): Promise<void> {
    this.loading ??= enabledThresholds(this.deps.db)
      .then((thresholds) => {
        this.thresholds = thresholds;
        this.loadedAt = Date.now();
      })
      .catch((error: unknown) => this.deps.log.warn({ err: error }, 'auto-recharge settings could not be loaded'))
      .finally(() => {
        this.loading = null;
      });
    return this.loading;
  }

  private check(debit: { accountId: string; entryId: string; balanceAfter: bigint; charged: bigint; at: Date }): void {
    const threshold = this.thresholds.get(debit.accountId);
    if (threshold === undefined || !crossedThreshold({ balanceAfter: debit.balanceAfter, charged: debit.charged, threshold })) return;
    const crossing = { entryId: debit.entryId, balanceAfter: debit.balanceAfter.toString(), at: debit.at.toISOString() };
    signalAutoRecharge(this.deps.temporal, this.deps.taskQueue, debit.accountId, crossing).catch((error: unknown) =>
      this.deps.log.error({ err: error, account_id: debit.accountId, entry_id: debit.entryId }, 'auto-recharge could not be started for a threshold crossing'),
    );
  }
}

const watches = new WeakMap<Knex, CrossingWatch>();

/** Called once by the API process: debits through `deps.db` are watched from now on. */
export function watchAutoRechargeCrossings(deps: { db: Knex; temporal: Client; config: { TEMPORAL_TASK_QUEUE: string }; log: Logger }): void {
  const watch = new CrossingWatch({ db: deps.db, temporal: deps.temporal, taskQueue: deps.config.TEMPORAL_TASK_QUEUE, log: deps.log });
  watches.set(deps.db, watch);
  void watch.refresh();
}

export function crossingWatchOf(db: Knex): CrossingWatch | undefined {
  return watches.get(db);
}

/**
 * Called by the debit path with each answered debit; never throws, never waits. Debits inside a
 * caller's transaction are not watched (they may still roll back), nor processes that did not
 * register a watch (the worker).
 */
export function noteDebitForAutoRecharge(db: Db, request: DebitRequest, outcome: DebitOutcome): void {
  if (outcome.kind !== 'ok' || request.unit !== 'credits' || db.isTransaction) return;
  watches.get(db as Knex)?.note({ accountId: request.accountId, entryId: outcome.entryId, balanceAfter: outcome.balanceAfter, charged: outcome.covered, at: request.at });
}
