/**
 * `npm run bench:checkout`: purchases through signed webhooks on the local stack (embedded
 * PostgreSQL, Temporal dev server, stripe-mock, worker, API: the same code as `npm start`).
 *
 * For each purchase: POST /v1/billing/credits/purchase, then a signed checkout.session.completed
 * to /v1/webhooks/stripe. Measured: the webhook endpoint's answer time (client side), and
 * webhook-to-credit latency (from sending the webhook until the order is seen fulfilled, with its
 * ledger entry, in PostgreSQL; one shared poller every 5 ms). Reference, same run: a trivial
 * workflow round trip (systemCheck: start → activity → DB → result), because these machines are
 * noisy. Writes bench/results/checkout.json and prints a markdown table.
 *
 * BENCH_PURCHASES (200), BENCH_CONCURRENCY (4 webhooks in flight), BENCH_ACCOUNTS (10).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import Stripe from 'stripe';
import { loadConfig } from '../src/config/config';
import { startStack, type Stack } from '../src/runtime/stack';

const PURCHASES = Number(process.env.BENCH_PURCHASES ?? 200);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 10);
const WARMUP = 10;
const signer = new Stripe('sk_test_signing_only');

interface Purchase {
  id: string;
  accountKey: string;
  amountMinor: number;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const summary = (values: number[]) => ({
  n: values.length,
  p50: round(percentile(values, 50)),
  p90: round(percentile(values, 90)),
  p99: round(percentile(values, 99)),
  max: round(Math.max(...values)),
  mean: round(values.reduce((a, b) => a + b, 0) / values.length),
});
const round = (ms: number) => Math.round(ms * 10) / 10;

async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

async function call(stack: Stack, method: string, route: string, key: string | null, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${stack.apiUrl}${route}`, {
    method,
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${route} → ${response.status} ${text}`);
  return JSON.parse(text);
}

function completedEvent(purchase: Purchase): string {
  const now = Math.floor(Date.now() / 1000);
  return JSON.stringify({
    id: `evt_bench_${purchase.id}`,
    object: 'event',
    api_version: '2025-08-27.basil',
    created: now,
    data: {
      object: {
        id: `cs_bench_${purchase.id}`,
        object: 'checkout.session',
        amount_total: purchase.amountMinor,
        client_reference_id: purchase.id,
        currency: 'usd',
        metadata: { purchase_id: purchase.id },
        mode: 'payment',
        payment_intent: `pi_bench_${purchase.id}`,
        payment_status: 'paid',
        status: 'complete',
      },
    },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: 'checkout.session.completed',
  });
}

/** One poller for all in-flight purchases: resolves each when its order is fulfilled. */
function fulfilmentWatcher(stack: Stack) {
  const waiting = new Map<string, (at: number) => void>();
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      if (waiting.size > 0) {
        const rows: Array<{ id: string }> = await stack.deps.db('payment_orders').select('id').whereIn('id', [...waiting.keys()]).where({ status: 'fulfilled' });
        const at = performance.now();
        for (const { id } of rows) {
          waiting.get(id)?.(at);
          waiting.delete(id);
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  return {
    wait: (id: string) => new Promise<number>((resolve) => waiting.set(id, resolve)),
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

async function runPurchases(stack: Stack, purchases: Purchase[], watcher: ReturnType<typeof fulfilmentWatcher>) {
  const webhookMs: number[] = [];
  const creditMs: number[] = [];
  await pool(purchases, CONCURRENCY, async (purchase) => {
    const payload = completedEvent(purchase);
    const signature = signer.webhooks.generateTestHeaderString({ payload, secret: stack.webhookSecret });
    const credited = watcher.wait(purchase.id);
    const sent = performance.now();
    await call(stack, 'POST', '/v1/webhooks/stripe', null, payload, { 'stripe-signature': signature });
    webhookMs.push(performance.now() - sent);
    creditMs.push((await credited) - sent);
  });
  return { webhookMs, creditMs };
}

async function createPurchases(stack: Stack, keys: string[], count: number): Promise<Purchase[]> {
  const out: Purchase[] = [];
  await pool(
    Array.from({ length: count }, (_, i) => i),
    4,
    async (i) => {
      const key = keys[i % keys.length]!;
      const created = await call(stack, 'POST', '/v1/billing/credits/purchase', key, { amount: 100 + (i % 50) * 10 });
      out.push({ id: created.purchase_id, accountKey: key, amountMinor: Math.round(created.amount_due * 100) });
    },
  );
  return out;
}

async function referenceRoundTrip(stack: Stack, runs = 20): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await stack.deps.temporal.workflow.execute('systemCheck', {
      workflowId: `system-check:bench-${Date.now()}-${i}`,
      taskQueue: stack.deps.config.TEMPORAL_TASK_QUEUE,
      args: [{ note: 'bench reference' }],
    });
    out.push(performance.now() - started);
  }
  return out;
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'settle-bench-'));
  const config = loadConfig({ ...process.env, DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'error' }, 'embedded');
  process.stdout.write('starting the local stack…\n');
  const stack = await startStack(config, { headlessTemporal: true, log: () => undefined });
  try {
    const keys: string[] = [];
    for (let i = 0; i < ACCOUNTS; i++) keys.push((await call(stack, 'POST', '/v1/admin/accounts', stack.adminApiKey, { name: `Bench ${i}` })).api_key);
    const watcher = fulfilmentWatcher(stack);

    process.stdout.write(`warm-up: ${WARMUP} purchases\n`);
    await runPurchases(stack, await createPurchases(stack, keys, WARMUP), watcher);
    const reference = await referenceRoundTrip(stack);

    process.stdout.write(`creating ${PURCHASES} purchases (Checkout Sessions on stripe-mock)…\n`);
    const purchaseStarted = performance.now();
    const purchases = await createPurchases(stack, keys, PURCHASES);
    const purchaseSeconds = (performance.now() - purchaseStarted) / 1000;

    process.stdout.write(`sending ${PURCHASES} signed webhooks, ${CONCURRENCY} in flight…\n`);
    const started = performance.now();
    const { webhookMs, creditMs } = await runPurchases(stack, purchases, watcher);
    const seconds = (performance.now() - started) / 1000;
    await watcher.stop();

    const entries = await stack.deps.db('ledger_entries').where({ type: 'purchase' }).whereIn('reference', purchases.map((p) => p.id)).count({ n: '*' }).first();
    const credited = Number(entries!.n);
    if (credited !== PURCHASES) throw new Error(`expected ${PURCHASES} purchase entries, found ${credited}`);

    const credit = summary(creditMs);
    const webhook = summary(webhookMs);
    const ref = summary(reference);
    const result = {
      benchmark: 'checkout',
      at: new Date().toISOString(),
      machine: { cpus: os.cpus().length, load_avg_1m: round(os.loadavg()[0]!), node: process.version },
      purchases: PURCHASES,
      concurrency: CONCURRENCY,
      accounts: ACCOUNTS,
      credited_once: credited === PURCHASES,
      webhook_to_credit_ms: credit,
      webhook_endpoint_ms: webhook,
      reference_system_check_workflow_ms: ref,
      credit_p50_vs_reference_p50: round(credit.p50 / ref.p50),
      throughput_credits_per_s: round(PURCHASES / seconds),
      purchase_create_per_s: round(PURCHASES / purchaseSeconds),
      targets: { credit_p50_ms: 300, credit_p99_ms: 1000, webhook_p99_ms: 50 },
      targets_met: { credit_p50: credit.p50 < 300, credit_p99: credit.p99 < 1000, webhook_p99: webhook.p99 < 50 },
    };
    const out = path.resolve(__dirname, 'results', 'checkout.json');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);

    const row = (name: string, s: ReturnType<typeof summary>, target: string) => `| ${name} | ${s.p50} | ${s.p90} | ${s.p99} | ${s.max} | ${target} |`;
    process.stdout.write(
      [
        '',
        `${PURCHASES} purchases, ${CONCURRENCY} webhooks in flight, ${ACCOUNTS} accounts; every purchase credited exactly once: ${result.credited_once}`,
        '',
        '| measure (ms) | p50 | p90 | p99 | max | target |',
        '| --- | --- | --- | --- | --- | --- |',
        row('webhook → credit visible', credit, 'p50 < 300, p99 < 1000'),
        row('webhook endpoint answer', webhook, 'p99 < 50'),
        row('reference: systemCheck workflow', ref, '—'),
        '',
        `credit p50 / reference p50 = ${result.credit_p50_vs_reference_p50}; ${result.throughput_credits_per_s} credits/s; load avg ${result.machine.load_avg_1m}`,
        `written to ${path.relative(process.cwd(), out)}`,
        '',
      ].join('\n'),
    );
  } finally {
    await stack.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:checkout failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
