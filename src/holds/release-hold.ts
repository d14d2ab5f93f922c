import type { Knex } from 'knex';
import { ConflictError, NotFoundError } from '../shared/errors';
import { holdView, statusOf } from './hold-views';
import { findHold, markReleased } from './holds.queries';

/**
 * POST /v1/holds/:id/release: one guarded update. Releasing only gives credits back, so it
 * needs no balance row lock; a capture deciding the same hold holds its row lock, and the
 * guard then sees it captured.
 */
export async function releaseHold(db: Knex, accountId: string, holdId: string) {
  const released = await markReleased(db, accountId, holdId);
  if (released) return holdView(released);
  const hold = await findHold(db, accountId, holdId);
  if (!hold) throw new NotFoundError('Hold', holdId);
  throw new ConflictError(`Hold ${holdId} is ${statusOf(hold)}; only an active hold can be released`, { id: holdId, status: statusOf(hold) });
}
