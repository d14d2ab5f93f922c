import { createAccount } from '../src/accounts/accounts.service';
import { upsertTool } from '../src/catalog/catalog.queries';
import { postCredit } from '../src/credits/ledger.service';
import { startBenchStack, machine, writeResults } from './lib/bench-stack';
import { bytesPerRow } from './lib/db-growth';
import { runPgbench } from './lib/pgbench';
import { runPgledger } from './lib/pgledger';
import { runLoad, type LoadResult } from './lib/run-load';
import { startApiProcesses } from './lib/api-processes';
import { execFile } from 'node:child_process';
import path from 'node:path';

/**
 * `npm run bench:debit`: POST /v1/usage over HTTP on loopback, across 1,000 accounts and then on
 * one hot account, against pgbench's tpcb-like on the same PostgreSQL in the same run.
 * Targets (2 cores): many accounts ≥ 1.0× pgbench tps with p99 < 25 ms; one hot account ≥ 0.5×.
 * Then the same two shapes as hold → capture (issue 18: two calls per metered request, POST
 * /v1/holds and POST /v1/holds/:id/capture), next to plain debits in the same run; the accounts
 * are on a hard-limit plan, so every debit also reads the account's held sum. BENCH_HOLDS=0 skips them.
 * Last, pgledger (a per-transaction double-entry ledger in SQL, bench/peers/pgledger) driven by
 * pgbench between the same number of random accounts: transfers/s, and bytes per transfer next
 * to Settle's bytes per debit, both measured as database growth after a checkpoint.
 */
const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 1000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const PGBENCH_SCALE = Number(process.env.BENCH_PGBENCH_SCALE ?? 50);
/** API processes sharing the port (npm run api with API_PROCESSES); 0 = the in-process API of npm start. */
const API_PROCESSES = Number(process.env.BENCH_API_PROCESSES ?? 0);
const HOLDS = process.env.BENCH_HOLDS !== '0';

/** Hold → capture load from its own process (bench/lib/hold-capture-child.ts); requests/s counts calls. */
function runHoldCaptureLoad(spec: { url: string; connections: number; seconds: number; keys: string[] }): Promise<LoadResult> {
  const child = {
    url: spec.url,
    connections: spec.connections,
    seconds: spec.seconds,
    targets: spec.keys.map((key) => ({ key })),
    holdBody: JSON.stringify({ credits: 2 }),
    captureBody: JSON.stringify({ items: [{ type: 'tool', tool: 'bench.tool' }] }),
  };
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', path.join(__dirname, 'lib', 'hold-capture-child.ts'), JSON.stringify(child)], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`hold → capture load failed: ${stderr || error.message}`));
      const result = JSON.parse(stdout);
      resolve({ requestsPerSec: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx, errors: result.errors, total: result.requests.total });
    });
  });
}

async function main(): Promise<void> {
  const stack = await startBenchStack();
  try {
    const db = stack.deps.db;
    process.stdout.write(`seeding ${ACCOUNTS} accounts …\n`);
    await upsertTool(db, { id: 'bench.tool', publisher_id: null, credits_per_execution: '1000000', description: 'benchmark tool' });
    const keys: string[] = [];
    for (let i = 0; i < ACCOUNTS; i++) {
      const account = await createAccount(db, { name: `bench ${i}`, plan: 'free' });
      await postCredit(db, { accountId: account.id, unit: 'credits', kind: 'admin', amount: 10n ** 15n, type: 'deposit', idempotencyKey: 'bench-deposit' });
      keys.push(account.api_key);
      if ((i + 1) % 250 === 0) process.stdout.write(`  ${i + 1}/${ACCOUNTS}\n`);
    }
    const api = API_PROCESSES > 0 ? await startApiProcesses(stack, API_PROCESSES) : null;
    const apiUrl = api?.url ?? stack.apiUrl;
    process.stdout.write(`API: ${API_PROCESSES > 0 ? `npm run api with API_PROCESSES=${API_PROCESSES}` : 'in-process (npm start)'}\n`);
    const body = JSON.stringify({ items: [{ type: 'tool', tool: 'bench.tool' }] });
    const load = (targets: string[]): Promise<LoadResult> =>
      runLoad({ url: apiUrl, path: '/v1/usage', connections: CONNECTIONS, seconds: SECONDS, targets: targets.map((key) => ({ key, body })) });

    process.stdout.write('warm-up …\n');
    await runLoad({ url: apiUrl, path: '/v1/usage', connections: CONNECTIONS, seconds: 3, targets: keys.map((key) => ({ key, body })) });
    process.stdout.write(`many accounts: ${CONNECTIONS} connections × ${SECONDS} s …\n`);
    const { result: many, bytesPerRow: bytesPerDebit, byRelation } = await bytesPerRow(db, 'ledger_entries', () => load(keys));
    process.stdout.write(`one hot account: ${CONNECTIONS} connections × ${SECONDS} s …\n`);
    const hot = await load([keys[0]!]);
    let holdsMany: LoadResult | null = null;
    let holdsHot: LoadResult | null = null;
    if (HOLDS) {
      const holdLoad = (targets: string[]) => runHoldCaptureLoad({ url: apiUrl, connections: CONNECTIONS, seconds: SECONDS, keys: targets });
      process.stdout.write(`hold → capture, many accounts: ${CONNECTIONS} connections × ${SECONDS} s …\n`);
      holdsMany = await holdLoad(keys);
      process.stdout.write(`hold → capture, one hot account: ${CONNECTIONS} connections × ${SECONDS} s …\n`);
      holdsHot = await holdLoad([keys[1 % keys.length]!]);
    }
    process.stdout.write(`pgbench tpcb-like: scale ${PGBENCH_SCALE}, ${CONNECTIONS} clients × ${SECONDS} s …\n`);
    await api?.stop();
    const pgbench = runPgbench(stack.databaseUrl, { clients: CONNECTIONS, seconds: SECONDS, scale: PGBENCH_SCALE });
    process.stdout.write(`pgledger transfers between ${ACCOUNTS} accounts: ${CONNECTIONS} clients × ${SECONDS} s …\n`);
    const pgledger = runPgledger(stack.databaseUrl, { clients: CONNECTIONS, seconds: SECONDS, accounts: ACCOUNTS });

    const ratio = (result: LoadResult) => Number((result.requestsPerSec / pgbench.tps).toFixed(2));
    const results = {
      benchmark: 'debit',
      at: new Date().toISOString(),
      machine: machine(),
      settings: { accounts: ACCOUNTS, seconds: SECONDS, connections: CONNECTIONS, pgbench_scale: PGBENCH_SCALE, api_processes: API_PROCESSES },
      pgbench_tpcb_like: { tps: pgbench.tps, latency_avg_ms: pgbench.latencyMs },
      pgledger_transfers: { tps: pgledger.tps, latency_avg_ms: pgledger.latencyMs, bytes_per_transfer: pgledger.bytesPerTransfer },
      many_accounts: {
        ...many,
        ratio_to_pgbench: ratio(many),
        ratio_to_pgledger: Number((many.requestsPerSec / pgledger.tps).toFixed(2)),
        bytes_per_debit: bytesPerDebit,
        bytes_per_debit_by_relation: byRelation,
        target: '≥ 1.0× pgbench, ≥ 1.5× pgledger, p99 < 25 ms, bytes per debit ≤ pgledger bytes per transfer',
      },
      hot_account: { ...hot, ratio_to_pgbench: ratio(hot), target: '≥ 0.5×' },
      // requestsPerSec counts calls: a metered request is two (hold, capture)
      ...(holdsMany && holdsHot
        ? {
            hold_capture_many_accounts: { ...holdsMany, metered_per_sec: holdsMany.requestsPerSec / 2, ratio_to_pgbench: ratio(holdsMany) },
            hold_capture_hot_account: { ...holdsHot, metered_per_sec: holdsHot.requestsPerSec / 2, ratio_to_pgbench: ratio(holdsHot) },
          }
        : {}),
    };
    const file = writeResults('debit', results);
    const row = (name: string, r: LoadResult) =>
      `| ${name} | ${r.requestsPerSec.toFixed(0)} | ${r.p50} | ${r.p99} | ${ratio(r)}× | ${r.non2xx} |`;
    process.stdout.write(
      [
        '',
        '| scenario | req/s | p50 ms | p99 ms | × pgbench | non-2xx |',
        '| --- | --- | --- | --- | --- | --- |',
        row(`${ACCOUNTS} accounts`, many),
        row('1 hot account', hot),
        ...(holdsMany && holdsHot
          ? [row(`hold → capture, ${ACCOUNTS} accounts (calls; metered = ½)`, holdsMany), row('hold → capture, 1 hot account (calls; metered = ½)', holdsHot)]
          : []),
        `| pgbench tpcb-like (scale ${PGBENCH_SCALE}) | ${pgbench.tps.toFixed(0)} tps | | ${pgbench.latencyMs} avg | 1.00× | |`,
        `| pgledger transfer, ${ACCOUNTS} accounts (SQL only) | ${pgledger.tps.toFixed(0)} tps | | ${pgledger.latencyMs} avg | ${(pgledger.tps / pgbench.tps).toFixed(2)}× | |`,
        '',
        `bytes written: ${bytesPerDebit} per Settle debit, ${pgledger.bytesPerTransfer} per pgledger transfer; ${ACCOUNTS} accounts: ${(many.requestsPerSec / pgledger.tps).toFixed(2)}× pgledger`,
        `bytes per debit by relation: ${byRelation.map((entry) => `${entry.relation} ${entry.bytesPerRow}`).join(', ')}`,
        '',
        `written to ${file}`,
        '',
      ].join('\n'),
    );
  } finally {
    await stack.cleanup();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:debit failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
