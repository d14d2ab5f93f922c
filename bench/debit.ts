import { createAccount } from '../src/accounts/accounts.service';
import { upsertTool } from '../src/catalog/catalog.queries';
import { postCredit } from '../src/credits/ledger.service';
import { startBenchStack, machine, writeResults } from './lib/bench-stack';
import { runPgbench } from './lib/pgbench';
import { runLoad, type LoadResult } from './lib/run-load';
import { startApiProcesses } from './lib/api-processes';

/**
 * `npm run bench:debit`: POST /v1/usage over HTTP on loopback, across 1,000 accounts and then on
 * one hot account, against pgbench's tpcb-like on the same PostgreSQL in the same run.
 * Targets (2 cores): many accounts ≥ 1.0× pgbench tps with p99 < 25 ms; one hot account ≥ 0.5×.
 */
const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 1000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const PGBENCH_SCALE = Number(process.env.BENCH_PGBENCH_SCALE ?? 50);
/** API processes sharing the port (npm run api with API_PROCESSES); 0 = the in-process API of npm start. */
const API_PROCESSES = Number(process.env.BENCH_API_PROCESSES ?? 0);

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
    const many = await load(keys);
    process.stdout.write(`one hot account: ${CONNECTIONS} connections × ${SECONDS} s …\n`);
    const hot = await load([keys[0]!]);
    process.stdout.write(`pgbench tpcb-like: scale ${PGBENCH_SCALE}, ${CONNECTIONS} clients × ${SECONDS} s …\n`);
    await api?.stop();
    const pgbench = runPgbench(stack.databaseUrl, { clients: CONNECTIONS, seconds: SECONDS, scale: PGBENCH_SCALE });

    const ratio = (result: LoadResult) => Number((result.requestsPerSec / pgbench.tps).toFixed(2));
    const results = {
      benchmark: 'debit',
      at: new Date().toISOString(),
      machine: machine(),
      settings: { accounts: ACCOUNTS, seconds: SECONDS, connections: CONNECTIONS, pgbench_scale: PGBENCH_SCALE, api_processes: API_PROCESSES },
      pgbench_tpcb_like: { tps: pgbench.tps, latency_avg_ms: pgbench.latencyMs },
      many_accounts: { ...many, ratio_to_pgbench: ratio(many), target: '≥ 1.0× and p99 < 25 ms' },
      hot_account: { ...hot, ratio_to_pgbench: ratio(hot), target: '≥ 0.5×' },
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
        `| pgbench tpcb-like (scale ${PGBENCH_SCALE}) | ${pgbench.tps.toFixed(0)} tps | | ${pgbench.latencyMs} avg | 1.00× | |`,
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
