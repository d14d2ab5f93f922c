import type { Knex } from 'knex';
import { ledgerViolations } from '../chaos/ledger-checks';
import { waitUntil } from '../chaos/own-stack';
import type { SteadyLoad } from './load';

/** Every acknowledged debit is in the ledger exactly once (`req:<key>` is the entry's key). */
export async function debitCheck(db: Knex, load: SteadyLoad) {
  const keys = [...load.acknowledged.keys()].map((key) => `req:${key}`);
  const recorded = new Map<string, number>();
  for (let i = 0; i < keys.length; i += 5000) {
    const rows = await db('ledger_entries').whereIn('idempotency_key', keys.slice(i, i + 5000)).groupBy('idempotency_key').select('idempotency_key').count<{ idempotency_key: string; n: string }[]>({ n: '*' });
    for (const row of rows) recorded.set(row.idempotency_key, Number(row.n));
  }
  const inLedger = await db('ledger_entries').where('idempotency_key', 'like', 'req:topology-%').count<{ n: string }[]>({ n: '*' });
  return {
    acknowledged: keys.length,
    recorded: recorded.size,
    lost: keys.filter((key) => !recorded.has(key)).length,
    duplicated: [...recorded.values()].filter((n) => n > 1).length,
    recordedUnacknowledged: Number(inLedger[0]!.n) - recorded.size,
  };
}

/** Waits (up to 60 s) until every purchase whose paid event was acknowledged is credited; counts duplicates. */
export async function purchaseCheck(db: Knex, load: SteadyLoad) {
  const ids = [...load.paid.keys()];
  const started = Date.now();
  const all = await waitUntil(async () => {
    if (ids.length === 0) return true;
    const [row] = await db('payment_orders').whereIn('id', ids).where({ status: 'fulfilled' }).count<{ n: string }[]>({ n: '*' });
    return Number(row!.n) === ids.length;
  }, 60_000, 250);
  const entries = ids.length
    ? await db('ledger_entries').whereIn('reference', ids).where({ type: 'purchase' }).groupBy('reference').select('reference').count<{ reference: string; n: string }[]>({ n: '*' })
    : [];
  return {
    paid: ids.length,
    credited: entries.length,
    duplicated: entries.filter((row) => Number(row.n) > 1).length,
    creditedWithinMs: all ? Date.now() - started : null,
  };
}

/** The close finished with every account closed once, and every invoice series is gapless from 1. */
export async function closeCheck(db: Knex, period: string, accounts: number) {
  const close = await db('closes').where({ period }).first();
  const [closed] = await db('periods').where({ period, status: 'closed' }).count<{ n: string }[]>({ n: '*' });
  const series: Array<{ series: string; first: string; last: string; n: string }> = (
    await db.raw(`select series, min(seq) as first, max(seq) as last, count(*) as n from invoices where seq is not null group by series`)
  ).rows;
  const gaps = series.filter((s) => Number(s.first) !== 1 || Number(s.last) !== Number(s.n)).map((s) => `${s.series}: ${s.n} invoices numbered ${s.first}…${s.last}`);
  const [periodInvoices] = await db('invoices').where('source', 'like', `period:%:${period}`).count<{ n: string }[]>({ n: '*' });
  return {
    status: (close?.status as string | undefined) ?? 'missing',
    accountsDone: Number(close?.accounts_done ?? 0),
    accountsClosed: Number(closed!.n),
    expected: accounts,
    invoices: Number(periodInvoices!.n),
    invoicesNumbered: series.reduce((sum, s) => sum + Number(s.n), 0),
    gaps,
  };
}

/** Every payout of the period paid, each with exactly one transfer attempt (one idempotency key, one transfer). */
export async function payoutCheck(db: Knex, period: string) {
  const payouts = await db('payouts').where({ period }).select('id', 'status', 'transfer_id');
  const attempts = await db('payout_attempts').whereIn('payout_id', payouts.map((p) => p.id)).groupBy('payout_id').select('payout_id').count<{ payout_id: string; n: string }[]>({ n: '*' });
  const attemptsOf = new Map(attempts.map((row) => [row.payout_id, Number(row.n)]));
  return {
    payouts: payouts.length,
    paid: payouts.filter((p) => p.status === 'paid' && p.transfer_id).length,
    oneTransferEach: payouts.filter((p) => attemptsOf.get(p.id) === 1).length,
  };
}

export async function invariantCheck(db: Knex, accountIds: string[]): Promise<string[]> {
  const violations: string[] = [];
  for (const id of accountIds) violations.push(...(await ledgerViolations(db, id)));
  return violations;
}
