import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { startBatchedSweep, type BatchedSweep } from '../db/batched-sweep';
import { rollUpUsageStep } from './usage-rollup';

/**
 * The periodic usage rollup, run by the worker process like the hold-expiry sweep. Reports stay
 * exact whether it runs or not (they add the raw rows not rolled up yet); it keeps them fast.
 * A first run on a big table goes a batch per transaction and logs the watermark as it moves.
 */
export type UsageRollupSweep = BatchedSweep;

export interface UsageRollupSweepOptions {
  intervalMs: number;
  batch: number;
}

const DEFAULTS: UsageRollupSweepOptions = { intervalMs: 5 * 60_000, batch: 5000 };

export function startUsageRollupSweep(db: Knex, log: Logger, overrides: Partial<UsageRollupSweepOptions> = {}): UsageRollupSweep {
  return startBatchedSweep({
    name: 'usage: daily rollup',
    step: async (batch) => {
      const step = await rollUpUsageStep(db, { batch });
      if (step.events > 0) log.debug({ events: step.events, rolledUpBefore: step.rolledUpBefore }, 'usage: rolled up');
      return step.events;
    },
    log,
    ...DEFAULTS,
    ...overrides,
  });
}
