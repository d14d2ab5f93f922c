import type { Knex } from 'knex';
import { monthEndClose } from '../workflows/month-end-close.workflow';
import { rollUpUsageStep, SETTLE_LAG_MS } from '../src/credits/usage-rollup';
import { periodKey, type Period } from '../src/periods/compute/calendar-month';
import { machine, startBenchStack, writeResults } from './lib/bench-stack';
import { checkLedger, createAccountPlan, HEAVY_ACCOUNT, insertAccounts, insertLedgerChunk, TYPICAL_ACCOUNT, type ScaleShape } from './lib/scale-generate';
import { timeAccountReads, type QueryTiming } from './lib/scale-queries';
import { indexShapes, retentionCost, tableSizes } from './lib/scale-retention';

/**
 * `npm run bench:scale` (issue 14): 10M ledger entries over 100k accounts, generated in SQL, then
 * for one typical and one heavy account a transactions page (first and deep keyset), usage
 * reports and a ≤ 10k-row CSV statement over HTTP (p50/p99), once with a tenth of the ledger
 * loaded and again with all of it (the same accounts: only the tables grew), index depths, the
 * cost of retiring a month by DELETE vs a dropped partition, and the month-end close of a tenth
 * of the accounts and then of all of them (growth ratio; linear is 10).
 * BENCH_ENTRIES / BENCH_ACCOUNTS scale it down for a quick run; BENCH_CLOSE=0 skips the closes.
 * The full run takes about an hour on 2 cores (generation ~25 min, the 100k close ~13 min). It
 * found the close quadratic in accounts (each account's included-credits sum scanned `grants`),
 * fixed by migration 20261204000183.
 */
const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 10_000_000);
const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 100_000);
const HEAVY_ENTRIES = Number(process.env.BENCH_HEAVY_ENTRIES ?? Math.min(20_000, Math.floor(ENTRIES / 10)));
const REPETITIONS = Number(process.env.BENCH_REPETITIONS ?? 50);
const CLOSE = process.env.BENCH_CLOSE !== '0';
/** entries per generating statement: big enough to be set-based, small enough to show progress */
const CHUNK_ENTRIES = 250_000;

const ACCOUNTS_UNDER_TEST = [
  { n: TYPICAL_ACCOUNT, label: 'typical' },
  { n: HEAVY_ACCOUNT, label: 'heavy' },
];

function monthsBefore(now: Date, months: number): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - months, 1));
}

const log = (line: string) => process.stdout.write(`${line}\n`);

async function analyzeLedger(db: Knex): Promise<void> {
  for (const table of ['accounts', 'balances', 'grants', 'api_keys', 'ledger_entries', 'usage_daily']) await db.raw(`vacuum analyze ${table}`);
}

/**
 * The daily usage rollup brought up to date, as the worker's sweep would have it for old usage:
 * the real sweep step, with its clock moved past the settle lag (the load committed just now).
 */
async function catchUpRollup(db: Knex): Promise<{ events: number; seconds: number }> {
  const started = Date.now();
  let events = 0;
  for (;;) {
    const step = await rollUpUsageStep(db, { batch: 500_000, now: new Date(Date.now() + SETTLE_LAG_MS) });
    if (step.events === 0) break;
    events += step.events;
  }
  const seconds = Math.round((Date.now() - started) / 100) / 10;
  log(`  usage rollup caught up: ${events.toLocaleString('en-US')} events in ${seconds} s`);
  return { events, seconds };
}

async function measureReads(db: Knex, apiUrl: string, ledgerRows: number) {
  const rollup = await catchUpRollup(db);
  await analyzeLedger(db);
  const reads: QueryTiming[] = [];
  for (const account of ACCOUNTS_UNDER_TEST) reads.push(...(await timeAccountReads(db, apiUrl, account, REPETITIONS)));
  for (const read of reads) log(`  ${read.account.padEnd(7)} ${read.query.padEnd(48)} rows ${String(read.rows).padStart(6)}  p50 ${read.p50_ms} ms  p99 ${read.p99_ms} ms`);
  return { ledger_entries: ledgerRows, rollup, reads, indexes: await indexShapes(db) };
}

async function generate(db: Knex, shape: ScaleShape, atTenth: () => Promise<void>) {
  const started = Date.now();
  const { entries } = await createAccountPlan(db, shape);
  await insertAccounts(db);
  log(`  ${shape.accounts} accounts, keys, balances and grants in ${((Date.now() - started) / 1000).toFixed(1)} s; ${entries} ledger entries to write`);
  const counts = (await db.raw(`select n, cnt from scale_accounts order by n`)).rows as Array<{ n: number; cnt: number }>;
  let written = 0;
  let loadSeconds = 0;
  let tenthDone = false;
  for (let i = 0; i < counts.length; ) {
    let last = i;
    let planned = 0;
    while (last < counts.length && (planned === 0 || planned + counts[last]!.cnt <= CHUNK_ENTRIES)) planned += counts[last++]!.cnt;
    const chunkStarted = Date.now();
    written += await insertLedgerChunk(db, counts[i]!.n, counts[last - 1]!.n);
    loadSeconds += (Date.now() - chunkStarted) / 1000;
    log(`  ${written.toLocaleString('en-US')} / ${(entries + 3 * shape.accounts).toLocaleString('en-US')} ledger entries (usage entries with their usage record), ${Math.round(written / loadSeconds).toLocaleString('en-US')} entries/s`);
    i = last;
    if (!tenthDone && written >= entries / 10) {
      tenthDone = true;
      await atTenth();
    }
  }
  return { ledger_entries: written, usage_events: entries, seconds: Math.round((Date.now() - started) / 1000), load_seconds: Math.round(loadSeconds), entries_per_second: Math.round(written / loadSeconds) };
}

async function closePeriod(stack: Awaited<ReturnType<typeof startBenchStack>>, period: string) {
  const db = stack.deps.db;
  const started = Date.now();
  const progress = setInterval(() => {
    void db('closes')
      .where({ period })
      .first('accounts_done', 'accounts_total')
      .then((row) => row && log(`  ${period}: ${row.accounts_done}/${row.accounts_total} after ${Math.round((Date.now() - started) / 1000)} s`))
      .catch(() => undefined);
  }, 30_000);
  try {
    const result = await stack.deps.temporal.workflow.execute(monthEndClose, { workflowId: `close:${period}`, taskQueue: stack.deps.config.TEMPORAL_TASK_QUEUE, args: [{ period }] });
    const seconds = (Date.now() - started) / 1000;
    log(`  ${period}: ${result.accounts_done} accounts in ${seconds.toFixed(1)} s (${Math.round(result.accounts_done / seconds)} accounts/s), ${result.status}, ${result.failures.length} failures`);
    return { period, accounts: result.accounts_done, seconds: Math.round(seconds * 10) / 10, accounts_per_second: Math.round(result.accounts_done / seconds), status: result.status, failures: result.failures.length };
  } finally {
    clearInterval(progress);
  }
}

async function main(): Promise<void> {
  const stack = await startBenchStack({ TEMPORAL_SCHEDULES: 'false' });
  const db = stack.deps.db;
  const openPeriod = monthsBefore(new Date(), 2);
  const shape: ScaleShape = { accounts: ACCOUNTS, entries: ENTRIES, heavyEntries: HEAVY_ENTRIES, openPeriod, closeFirst: Math.round(ACCOUNTS / 10), proEvery: 10 };
  try {
    log(`generating ${ENTRIES.toLocaleString('en-US')} ledger entries over ${ACCOUNTS.toLocaleString('en-US')} accounts (heavy account: ${HEAVY_ENTRIES}) …`);
    let atTenth: Awaited<ReturnType<typeof measureReads>> | null = null;
    const generation = await generate(db, shape, async () => {
      const rows = Number((await db.raw(`select count(*)::bigint as n from ledger_entries`)).rows[0].n);
      log(`reads with ${rows.toLocaleString('en-US')} ledger entries loaded …`);
      atTenth = await measureReads(db, stack.apiUrl, rows);
    });
    await checkLedger(db, [TYPICAL_ACCOUNT, HEAVY_ACCOUNT, Math.ceil(ACCOUNTS / 2), ACCOUNTS]);
    log(`reads with all ${generation.ledger_entries.toLocaleString('en-US')} ledger entries …`);
    const atFull = await measureReads(db, stack.apiUrl, generation.ledger_entries);
    const sizes = await tableSizes(db);
    log('retiring a month: DELETE + VACUUM vs DETACH + DROP of a partition …');
    const retention = await retentionCost(db, shape.closeFirst);
    log(`  ${retention.month_rows} of ${retention.rows_copied} rows: delete ${retention.delete_ms} ms + vacuum ${retention.vacuum_ms} ms vs detach + drop ${retention.detach_drop_ms} ms`);

    const closes = [];
    if (CLOSE) {
      const first: Period = { start: monthsBefore(openPeriod, 1), end: openPeriod };
      const second: Period = { start: openPeriod, end: monthsBefore(openPeriod, -1) };
      log(`closing ${periodKey(first)} (${shape.closeFirst} accounts), then ${periodKey(second)} (all ${ACCOUNTS}) …`);
      closes.push(await closePeriod(stack, periodKey(first)));
      closes.push(await closePeriod(stack, periodKey(second)));
    }
    const growth = closes.length === 2 ? Number((closes[1]!.seconds / closes[0]!.seconds).toFixed(2)) : null;
    const file = writeResults('scale', {
      benchmark: 'scale',
      at: new Date().toISOString(),
      machine: machine(),
      note: '2 cores shared with other work while it ran: timings are noisy',
      settings: { accounts: ACCOUNTS, entries: ENTRIES, heavy_entries: HEAVY_ENTRIES, repetitions: REPETITIONS, history_months: 12 },
      generation,
      tables: sizes,
      reads_at_tenth: atTenth,
      reads_at_full: atFull,
      retention,
      closes,
      close_growth_ratio: growth,
      target: 'close growth ratio (all / a tenth of the accounts): linear = 10',
    });
    printTable(atTenth, atFull, closes, growth);
    log(`written to ${file}`);
  } finally {
    await stack.cleanup();
  }
}

function printTable(
  atTenth: { ledger_entries: number; reads: QueryTiming[] } | null,
  atFull: { ledger_entries: number; reads: QueryTiming[] },
  closes: Array<{ period: string; accounts: number; seconds: number; accounts_per_second: number }>,
  growth: number | null,
): void {
  const small = (read: QueryTiming) => atTenth?.reads.find((r) => r.account === read.account && r.query === read.query);
  const tenth = atTenth ? `${(atTenth.ledger_entries / 1e6).toFixed(1)}M` : '–';
  const full = `${(atFull.ledger_entries / 1e6).toFixed(1)}M`;
  log(['', `| account | read | rows | p50 / p99 ms at ${tenth} | p50 / p99 ms at ${full} |`, '| --- | --- | --- | --- | --- |'].join('\n'));
  for (const read of atFull.reads) {
    const before = small(read);
    log(`| ${read.account} | ${read.query} | ${read.rows} | ${before ? `${before.p50_ms} / ${before.p99_ms}` : '–'} | ${read.p50_ms} / ${read.p99_ms} |`);
  }
  if (closes.length) {
    log(['', '| close | accounts | seconds | accounts/s |', '| --- | --- | --- | --- |', ...closes.map((c) => `| ${c.period} | ${c.accounts} | ${c.seconds} | ${c.accounts_per_second} |`)].join('\n'));
    log(`growth ratio: ${growth} (linear = 10)`);
  }
  log('');
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:scale failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
