import type { Knex } from 'knex';
import { NotFoundError } from '../shared/errors';
import { holdView } from './hold-views';
import { findHold, listHolds, sweepExpiredHolds, type HoldStatus } from './holds.queries';

/** GET /v1/holds: newest first; passed holds are marked expired first, so the status filter is exact. */
export async function holdsPage(db: Knex, accountId: string, filter: { status: HoldStatus | null; limit: number; offset: number }) {
  await sweepExpiredHolds(db, accountId);
  const page = await listHolds(db, accountId, filter);
  return { data: page.rows.map(holdView), meta: { total: page.total, limit: filter.limit, offset: filter.offset } };
}

/** GET /v1/holds/:id; another account's hold is a 404 like an unknown one. */
export async function holdDetail(db: Knex, accountId: string, holdId: string) {
  const hold = await findHold(db, accountId, holdId);
  if (!hold) throw new NotFoundError('Hold', holdId);
  return holdView(hold);
}
