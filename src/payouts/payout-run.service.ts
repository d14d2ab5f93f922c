import type { Knex } from 'knex';
import type { Db } from '../db/knex';
import { newId } from '../shared/ids';
import type { PayoutStatus } from './payouts.queries';

/**
 * Step 0 of a payout run (API, Schedule, CLI): one payout row per publisher that has unsettled
 * accruals before `asOf`, created once per (publisher, period). Safe to re-run: existing rows are
 * kept; the run then (re)evaluates the period's pending, held and carried_forward payouts, and
 * leaves paid ones alone and failed ones to an explicit retry.
 */
export interface PlannedPayout {
  payoutId: string;
  publisherId: string;
  status: PayoutStatus;
}

const RUNNABLE: PayoutStatus[] = ['pending', 'held', 'carried_forward'];

function runnable(db: Db, window: { period: string; asOf: Date; currency: string }) {
  // pending: new, or prepared and interrupted (resume). held/carried_forward: only while the
  // publisher still has something unsettled to evaluate.
  return db('payouts as po')
    .where('po.period', window.period)
    .where((q) =>
      q.where('po.status', 'pending').orWhere((held) =>
        held.whereIn('po.status', RUNNABLE).whereExists((sub) =>
          sub
            .select(db.raw('1'))
            .from('publisher_accruals as a')
            .whereRaw('a.publisher_id = po.publisher_id')
            .whereNull('a.payout_id')
            .where('a.currency', window.currency)
            .where('a.occurred_at', '<', window.asOf),
        ),
      ),
    );
}

export async function planPayoutRun(db: Knex, window: { period: string; asOf: Date; currency: string }): Promise<PlannedPayout[]> {
  const eligible: Array<{ id: string }> = await db('publishers as p')
    .select('p.id')
    .whereExists((sub) =>
      sub
        .select(db.raw('1'))
        .from('publisher_accruals as a')
        .whereRaw('a.publisher_id = p.id')
        .whereNull('a.payout_id')
        .where('a.currency', window.currency)
        .where('a.occurred_at', '<', window.asOf),
    )
    .orderBy('p.id');
  for (let i = 0; i < eligible.length; i += 500) {
    const rows = eligible.slice(i, i + 500).map(({ id }) => ({
      id: newId('po'),
      publisher_id: id,
      period: window.period,
      as_of: window.asOf,
      currency: window.currency,
      status: 'pending',
    }));
    await db('payouts').insert(rows).onConflict(['publisher_id', 'period']).ignore();
  }
  const planned: Array<{ id: string; publisher_id: string; status: PayoutStatus }> = await runnable(db, window)
    .select('po.id', 'po.publisher_id', 'po.status')
    .orderBy('po.id');
  return planned.map((row) => ({ payoutId: row.id, publisherId: row.publisher_id, status: row.status }));
}

/** The run's payouts after `afterId`, in id order (the run workflow pages through them). */
export async function payoutRunPage(
  db: Knex,
  window: { period: string; asOf: Date; currency: string },
  page: { afterId: string | null; limit: number },
): Promise<PlannedPayout[]> {
  const query = runnable(db, window).select('po.id', 'po.publisher_id', 'po.status').orderBy('po.id').limit(page.limit);
  if (page.afterId) query.where('po.id', '>', page.afterId);
  const rows: Array<{ id: string; publisher_id: string; status: PayoutStatus }> = await query;
  return rows.map((row) => ({ payoutId: row.id, publisherId: row.publisher_id, status: row.status }));
}

/** Status counts of a period's payouts, for the run's progress. */
export async function periodPayoutCounts(db: Knex, period: string): Promise<Record<PayoutStatus, number>> {
  const rows: Array<{ status: PayoutStatus; count: string }> = await db('payouts').where({ period }).select('status').count({ count: '*' }).groupBy('status');
  const counts: Record<PayoutStatus, number> = { pending: 0, paid: 0, failed: 0, held: 0, carried_forward: 0 };
  for (const row of rows) counts[row.status] = Number(row.count);
  return counts;
}
