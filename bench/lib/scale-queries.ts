import type { Knex } from 'knex';
import { percentile } from './bench-stack';
import { apiKeyOf } from './scale-generate';

export interface QueryTiming {
  query: string;
  account: string;
  rows: number;
  p50_ms: number;
  p99_ms: number;
}

interface Probe {
  query: string;
  path: string;
}

/**
 * The reads a customer makes, timed over the real HTTP API with the account's own key, one
 * request at a time (latency, not throughput): `repetitions` each after two warm-up calls.
 */
export async function timeAccountReads(db: Knex, apiUrl: string, account: { n: number; label: string }, repetitions: number): Promise<QueryTiming[]> {
  const probes = await probesFor(db, account.n);
  const timings: QueryTiming[] = [];
  for (const probe of probes) {
    let rows = 0;
    const samples: number[] = [];
    for (let i = 0; i < repetitions + 2; i++) {
      const started = performance.now();
      const response = await fetch(`${apiUrl}${probe.path}`, { headers: { authorization: `Bearer ${apiKeyOf(account.n)}` } });
      const body = await response.text();
      const elapsed = performance.now() - started;
      if (response.status !== 200) throw new Error(`${probe.path} answered ${response.status}: ${body.slice(0, 300)}`);
      rows = rowsIn(probe.query, body);
      if (i >= 2) samples.push(elapsed);
    }
    samples.sort((a, b) => a - b);
    timings.push({ query: probe.query, account: account.label, rows, p50_ms: round(percentile(samples, 50)), p99_ms: round(percentile(samples, 99)) });
  }
  return timings;
}

/** The requests for account n, with a cursor deep in its history and a CSV range of ≤ 10k rows. */
async function probesFor(db: Knex, n: number): Promise<Probe[]> {
  const account = (await db.raw(`select id, cnt, open_start, open_end, hist_start from scale_accounts where n = ?`, [n])).rows[0];
  // deep keyset page: the entry a tenth of the way into the history (oldest first)
  const deep = await db.raw(`select id from ledger_entries where account_id = ? and unit = 'credits' and seq = greatest(2, ?::bigint / 10)`, [account.id, account.cnt]);
  // the CSV range holding (at most) the newest 10,000 entries
  const csvStart = await db.raw(
    `select coalesce(min(effective_at), ?::timestamptz) as at from (select effective_at from ledger_entries where account_id = ? and unit = 'credits' order by seq desc limit 10000) e`,
    [account.hist_start, account.id],
  );
  const iso = (at: Date) => new Date(at).toISOString();
  return [
    { query: 'transactions, first page (100)', path: '/v1/credits/transactions?limit=100' },
    { query: 'transactions, keyset page deep in history (100)', path: `/v1/credits/transactions?limit=100&starting_after=${deep.rows[0].id}` },
    { query: 'usage report, open period by tool', path: `/v1/billing/usage?group_by=tool&start_date=${iso(account.open_start)}&end_date=${iso(account.open_end)}` },
    { query: 'usage report, 12 months by day', path: `/v1/billing/usage?group_by=day&start_date=${iso(account.hist_start)}&end_date=${iso(account.open_end)}` },
    { query: 'CSV statement (newest ≤ 10k entries)', path: `/v1/statements.csv?start_date=${iso(csvStart.rows[0].at)}&end_date=${iso(account.open_end)}` },
  ];
}

function rowsIn(query: string, body: string): number {
  if (query.startsWith('CSV')) return Math.max(0, body.trimEnd().split('\n').length - 1);
  const parsed = JSON.parse(body) as { data?: unknown[]; usage?: unknown[] };
  return (parsed.data ?? parsed.usage ?? []).length;
}

const round = (ms: number) => Math.round(ms * 10) / 10;
