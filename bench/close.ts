import { upsertTool } from '../src/catalog/catalog.queries';
import { createAccount } from '../src/accounts/accounts.service';
import { recordUsage } from '../src/credits/usage.service';
import { creditPricing } from '../src/payouts/payout-config';
import { mapConcurrent } from '../src/shared/map-concurrent';
import { monthEndClose } from '../workflows/month-end-close.workflow';
import { machine, startBenchStack, writeResults } from './lib/bench-stack';

/**
 * `npm run bench:close`: a month-end close of 1,000 and then 10,000 accounts with usage, on the
 * local stack (the same worker as `npm start`). Prints accounts/s and the growth ratio
 * (10k time / 1k time; linear is 10). Target: 10,000 accounts in under 2 minutes.
 * Mix: 90% Free accounts with some usage, 10% Pro accounts in overage (meter event + invoice).
 */
const SIZES = (process.env.BENCH_CLOSE_SIZES ?? '1000,10000').split(',').map(Number);
const PRO_SHARE = Number(process.env.BENCH_CLOSE_PRO_SHARE ?? 0.1);

async function main(): Promise<void> {
  const stack = await startBenchStack({ TEMPORAL_SCHEDULES: 'false' });
  const db = stack.deps.db;
  const runs: Array<{ accounts: number; seconds: number; accounts_per_second: number; status: string; failures: number }> = [];
  try {
    await upsertTool(db, { id: 'bench.close.tool', publisher_id: null, credits_per_execution: '5000000', description: null });
    for (const [index, size] of SIZES.entries()) {
      const periodStart = new Date(Date.UTC(2020, index, 1));
      const period = `2020-${String(index + 1).padStart(2, '0')}`;
      process.stdout.write(`seeding ${size} accounts in ${period} …\n`);
      let seeded = 0;
      await mapConcurrent(Array.from({ length: size }, (_, i) => i), 16, async (i) => {
        const pro = i < size * PRO_SHARE;
        const account = await createAccount(db, {
          name: `close bench ${i}`,
          plan: pro ? 'pro' : 'free',
          periodStart,
          stripeCustomerId: pro ? `cus_bench${period.replace('-', '')}x${i}` : undefined,
        });
        await recordUsage(db, {
          accountId: account.id,
          idempotencyKey: 'bench-usage',
          requestHash: 'bench',
          agent: null,
          taskId: null,
          timestamp: new Date(periodStart.getTime() + 86_400_000),
          markup: null,
          items: [{ type: 'tool', tool: 'bench.close.tool', quantity: pro ? 2100 : 3 }],
          creditPricing: creditPricing(stack.deps.config),
        });
        if (++seeded % 1000 === 0) process.stdout.write(`  ${seeded}/${size}\n`);
      });
      process.stdout.write(`closing ${period} …\n`);
      const started = Date.now();
      const result = await stack.deps.temporal.workflow.execute(monthEndClose, {
        workflowId: `close:${period}`,
        taskQueue: stack.deps.config.TEMPORAL_TASK_QUEUE,
        args: [{ period }],
      });
      const seconds = (Date.now() - started) / 1000;
      runs.push({ accounts: size, seconds, accounts_per_second: Math.round(size / seconds), status: result.status, failures: result.failures.length });
      process.stdout.write(`  ${size} accounts in ${seconds.toFixed(1)} s (${Math.round(size / seconds)} accounts/s), ${result.status}\n`);
    }
    const growth = runs.length >= 2 ? Number((runs[1]!.seconds / runs[0]!.seconds).toFixed(2)) : null;
    const file = writeResults('close', { benchmark: 'close', at: new Date().toISOString(), machine: machine(), pro_share: PRO_SHARE, runs, growth_ratio: growth, target: '10,000 accounts < 120 s; linear growth = 10' });
    process.stdout.write(
      ['', '| accounts | seconds | accounts/s | status |', '| --- | --- | --- | --- |', ...runs.map((r) => `| ${r.accounts} | ${r.seconds.toFixed(1)} | ${r.accounts_per_second} | ${r.status} |`), '', `growth ratio (10k/1k): ${growth}`, `written to ${file}`, ''].join('\n'),
    );
  } finally {
    await stack.cleanup();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:close failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
