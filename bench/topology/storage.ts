import { createAccount, createPublisher } from '../../src/accounts/accounts.service';
import { catalogCache } from '../../src/catalog/catalog-cache';
import { upsertTool } from '../../src/catalog/catalog.queries';
import { mapConcurrent } from '../../src/shared/map-concurrent';
import { startBenchStack } from '../lib/bench-stack';

/**
 * `node --import tsx bench/topology/storage.ts [debits]`: how many bytes one debit adds to
 * PostgreSQL, per table, on the embedded stack. It checkpoints, measures every table (heap +
 * indexes + TOAST), sends N plain debits and N metered tool calls (usage with a publisher's tool:
 * usage event, ledger entry, publisher accrual) through the API, checkpoints and measures again.
 * The figures feed docs/scaling.md.
 */
const N = Number(process.argv[2] ?? 20_000);
const ACCOUNTS = 50;

async function tableSizes(db: import('knex').Knex): Promise<Map<string, number>> {
  // vacuum first on both sides: its free-space and visibility maps are not growth, and the dead
  // row versions of balances and grants are space PostgreSQL reuses
  await db.raw('vacuum analyze');
  await db.raw('checkpoint');
  const rows = (await db.raw(`select relname as name, pg_total_relation_size(relid)::bigint as bytes from pg_stat_user_tables`)).rows as Array<{ name: string; bytes: string }>;
  return new Map(rows.map((row) => [row.name, Number(row.bytes)]));
}

async function send(url: string, key: string, path: string, body: unknown): Promise<void> {
  const response = await fetch(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (response.status !== 201) throw new Error(`${path}: ${response.status} ${await response.text()}`);
}

async function measure(stack: Awaited<ReturnType<typeof startBenchStack>>, what: string, call: (i: number) => Promise<void>) {
  const before = await tableSizes(stack.deps.db);
  const started = Date.now();
  await mapConcurrent(Array.from({ length: N }, (_, i) => i), 16, call);
  const elapsed = (Date.now() - started) / 1000;
  const after = await tableSizes(stack.deps.db);
  const growth = [...after].map(([name, bytes]) => ({ name, perDebit: (bytes - (before.get(name) ?? 0)) / N })).filter((t) => Math.abs(t.perDebit) >= 1).sort((a, b) => b.perDebit - a.perDebit);
  const total = growth.reduce((sum, t) => sum + t.perDebit, 0);
  process.stdout.write(`\n${what}: ${N} in ${elapsed.toFixed(1)} s (${Math.round(N / elapsed)}/s)\n| table | bytes per debit |\n| --- | --- |\n`);
  for (const table of growth) process.stdout.write(`| ${table.name} | ${table.perDebit.toFixed(0)} |\n`);
  process.stdout.write(`| **total** | **${total.toFixed(0)}** |\n`);
}

async function main(): Promise<void> {
  const stack = await startBenchStack({ TEMPORAL_SCHEDULES: 'false', RATE_LIMIT_PER_SECOND: '1000000' });
  try {
    const db = stack.deps.db;
    const publisher = await createPublisher(db, { name: 'Storage publisher', stripeAccountId: 'acct_storage' });
    await upsertTool(db, { id: 'storage.tool', publisher_id: publisher.id, credits_per_execution: '2000000', description: null });
    catalogCache(db).invalidate();
    const accounts: string[] = [];
    for (let i = 0; i < ACCOUNTS; i++) {
      const account = await createAccount(db, { name: `Storage ${i}`, plan: 'free' });
      await send(stack.apiUrl, stack.adminApiKey, '/v1/admin/credits/deposit', { account_id: account.id, amount: 10_000_000, idempotency_key: 'storage-deposit' });
      accounts.push(account.api_key);
    }
    await measure(stack, 'plain debits (POST /v1/credits/debit)', (i) => send(stack.apiUrl, accounts[i % ACCOUNTS]!, '/v1/credits/debit', { amount: 0.01, idempotency_key: `storage-${i}` }));
    await measure(stack, 'metered tool calls (POST /v1/usage, publisher tool)', (i) =>
      send(stack.apiUrl, accounts[i % ACCOUNTS]!, '/v1/usage', { items: [{ type: 'tool', tool: 'storage.tool', quantity: 1 }], idempotency_key: `storage-usage-${i}` }),
    );
  } finally {
    await stack.cleanup();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`storage failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
