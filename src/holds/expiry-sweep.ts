import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { startBatchedSweep, type BatchedSweep } from '../db/batched-sweep';
import { sweepPassedHolds } from './holds.queries';

/**
 * The periodic sweep that marks passed holds `expired`, run by the worker process. A passed hold
 * already reserves nothing (every sum checks `expires_at`), so nothing waits for this: it keeps
 * the holds history honest for accounts nobody lists, and the partial indexes of active holds
 * small. Each step skips the holds a capture or release has locked.
 */
export type HoldExpirySweep = BatchedSweep;

export interface HoldExpirySweepOptions {
  intervalMs: number;
  batch: number;
}

const DEFAULTS: HoldExpirySweepOptions = { intervalMs: 60_000, batch: 1000 };

export function startHoldExpirySweep(db: Knex, log: Logger, overrides: Partial<HoldExpirySweepOptions> = {}): HoldExpirySweep {
  return startBatchedSweep({ name: 'holds: expiry sweep', step: (batch) => sweepPassedHolds(db, batch), log, ...DEFAULTS, ...overrides });
}
