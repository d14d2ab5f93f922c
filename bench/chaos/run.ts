import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { createAccount } from '../../src/accounts/accounts.service';
import { createDb } from '../../src/db/knex';
import { injectFault, WorkerProcess, type FaultKind, type FaultResult } from './faults';
import { ledgerViolations } from './ledger-checks';
import { call, paidCheckoutEvent, postSignedEvent, startOwnStack, waitUntil, type StackInfo } from './own-stack';

/**
 * `npm run chaos [-- --short]`: the stack of `npm start` (startStack, temp DATA_DIR, loopback
 * only) under debit load and signed checkout webhooks, while PostgreSQL, the Temporal dev server
 * and the worker are killed with SIGKILL at random moments. Afterwards: every acknowledged debit
 * is in the ledger exactly once, every paid purchase is credited exactly once within 60 s of the
 * last recovery with no manual action, and the ledger invariants hold. Exits 1 on any violation.
 */
const short = process.argv.includes('--short');
const PLAN = short
  ? { loadSeconds: 30, faults: ['postgres', 'temporal', 'worker'] as FaultKind[], maxDebits: 20_000 }
  : { loadSeconds: 120, faults: ['postgres', 'temporal', 'worker', 'postgres', 'worker', 'temporal'] as FaultKind[], maxDebits: 200_000 };
const ACCOUNTS = 4;
const DEBIT_CONCURRENCY = 8;
const CREDITED_WITHIN_MS = 60_000;

interface Load {
  acknowledged: Map<string, string>; // idempotency key → account id
  refused: number;
  paid: Map<string, string>; // purchase id → account id, once Stripe's event was acknowledged
  unacknowledgedEvents: Array<{ purchaseId: string; accountId: string; event: object }>;
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'settle-chaos-'));
  const log = (line: string) => process.stdout.write(`${line}\n`);
  log(`chaos${short ? ' (short)' : ''}: stack in ${dataDir}`);
  const stack = await startOwnStack({ dataDir, externalWorker: true, env: { TEMPORAL_SCHEDULES: 'false' } });
  const worker = new WorkerProcess(stack.info);
  worker.start();
  const db = createDb(stack.info.databaseUrl, 4);
  let exitCode = 1;
  try {
    const accounts = await setUpAccounts(db, stack.info);
    const load: Load = { acknowledged: new Map(), refused: 0, paid: new Map(), unacknowledgedEvents: [] };
    const startedAt = Date.now();
    const endsAt = startedAt + PLAN.loadSeconds * 1000;
    const loadDone = Promise.all([debitLoad(stack.info, accounts, load, endsAt), purchaseLoad(stack.info, accounts, load, endsAt)]);
    const faults: FaultResult[] = [];
    // One fault per slot of the load window, at a random moment inside it.
    const slot = (PLAN.loadSeconds * 1000 - 6000) / PLAN.faults.length;
    for (const [index, kind] of PLAN.faults.entries()) {
      const at = startedAt + 3000 + index * slot + Math.random() * slot * 0.5;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
      const result = await injectFault(kind, stack.info, worker, startedAt);
      log(`  fault ${kind} at ${result.atSecond} s: ${result.recoveredMs === null ? 'NOT recovered' : `ready again in ${(result.recoveredMs / 1000).toFixed(1)} s`}`);
      // the stack's own last lines say why (a crash prints its stack trace there)
      if (result.recoveredMs === null) log(stack.logLines().slice(-40).join('\n'));
      faults.push(result);
    }
    await loadDone;
    const lastRecovery = Date.now();
    const credited = await waitForCredits(db, load, lastRecovery);
    const report = await verify(db, accounts, load, credited);
    printTable(faults, load, report, credited);
    const violations = [...report.violations, ...faults.filter((f) => f.recoveredMs === null).map((f) => `${f.kind} fault at ${f.atSecond} s never recovered`)];
    for (const violation of violations.slice(0, 50)) log(`VIOLATION ${violation}`);
    exitCode = violations.length === 0 ? 0 : 1;
    log(exitCode === 0 ? 'chaos: no violation' : `chaos: ${violations.length} violation(s)`);
  } finally {
    await db.destroy();
    await worker.stop();
    await stack.stop();
    stack.kill();
    if (exitCode === 0) fs.rmSync(dataDir, { recursive: true, force: true });
    else log(`chaos: data and logs kept in ${dataDir}`);
  }
  process.exit(exitCode);
}

async function setUpAccounts(db: Knex, stack: StackInfo) {
  const accounts = [];
  for (let i = 0; i < ACCOUNTS; i++) {
    const account = await createAccount(db, { name: `Chaos ${i}`, plan: 'free' });
    const deposit = await call(stack, 'POST', '/v1/admin/credits/deposit', { key: stack.adminApiKey, body: { account_id: account.id, amount: 1_000_000, idempotency_key: 'chaos-deposit' } });
    if (deposit.status !== 201) throw new Error(`deposit failed: ${deposit.status} ${JSON.stringify(deposit.body)}`);
    accounts.push({ id: account.id, key: account.api_key });
  }
  return accounts;
}

/** Bounded in time and count; a debit counts as acknowledged only on its 201. */
async function debitLoad(stack: StackInfo, accounts: Array<{ id: string; key: string }>, load: Load, endsAt: number) {
  let sent = 0;
  await Promise.all(
    Array.from({ length: DEBIT_CONCURRENCY }, async () => {
      while (Date.now() < endsAt && sent < PLAN.maxDebits) {
        const n = sent++;
        const account = accounts[n % accounts.length]!;
        const key = `chaos-${n}`;
        const reply = await call(stack, 'POST', '/v1/credits/debit', { key: account.key, body: { amount: 0.01, idempotency_key: key }, timeoutMs: 20_000 });
        if (reply.status === 201) load.acknowledged.set(key, account.id);
        else {
          load.refused += 1;
          await new Promise((resolve) => setTimeout(resolve, 50)); // as a client would, after a 503
        }
      }
    }),
  );
}

/** A purchase and its signed paid event about every 500 ms; events are re-sent until acknowledged, as Stripe does. */
async function purchaseLoad(stack: StackInfo, accounts: Array<{ id: string; key: string }>, load: Load, endsAt: number) {
  let n = 0;
  while (Date.now() < endsAt) {
    const account = accounts[n++ % accounts.length]!;
    const purchase = await call(stack, 'POST', '/v1/billing/credits/purchase', { key: account.key, body: { amount: 10 }, headers: { 'idempotency-key': `chaos-purchase-${n}` } });
    if (purchase.status === 201) {
      load.unacknowledgedEvents.push({ purchaseId: purchase.body.purchase_id, accountId: account.id, event: paidCheckoutEvent(purchase.body.purchase_id, Math.round(purchase.body.amount_due * 100)) });
    }
    await resendEvents(stack, load);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  // Stripe keeps retrying: so does the suite, until every event was acknowledged
  const deadline = Date.now() + 60_000;
  while (load.unacknowledgedEvents.length > 0 && Date.now() < deadline) {
    await resendEvents(stack, load);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function resendEvents(stack: StackInfo, load: Load) {
  for (const pending of load.unacknowledgedEvents.splice(0)) {
    const reply = await postSignedEvent(stack, pending.event);
    if (reply.status === 200) load.paid.set(pending.purchaseId, pending.accountId);
    else load.unacknowledgedEvents.push(pending);
  }
}

/** How long after the last recovery each paid purchase was credited (null: not within 60 s). */
async function waitForCredits(db: Knex, load: Load, since: number): Promise<{ creditedMs: number | null; missing: string[] }> {
  const ids = [...load.paid.keys()];
  const all = await waitUntil(async () => {
    const fulfilled = await db('payment_orders').whereIn('id', ids).where({ status: 'fulfilled' }).count<{ n: string }[]>({ n: '*' });
    return Number(fulfilled[0]!.n) === ids.length;
  }, CREDITED_WITHIN_MS, 250);
  if (all) return { creditedMs: Date.now() - since, missing: [] };
  const done = new Set((await db('payment_orders').whereIn('id', ids).where({ status: 'fulfilled' }).select('id')).map((row: { id: string }) => row.id));
  return { creditedMs: null, missing: ids.filter((id) => !done.has(id)) };
}

async function verify(db: Knex, accounts: Array<{ id: string }>, load: Load, credited: { missing: string[] }) {
  const violations: string[] = [];
  const acknowledgedKeys = [...load.acknowledged.keys()].map((key) => `req:${key}`);
  const recorded = new Map<string, number>();
  for (let i = 0; i < acknowledgedKeys.length; i += 5000) {
    const rows = await db('ledger_entries').whereIn('idempotency_key', acknowledgedKeys.slice(i, i + 5000)).groupBy('idempotency_key').select('idempotency_key').count<{ idempotency_key: string; n: string }[]>({ n: '*' });
    for (const row of rows) recorded.set(row.idempotency_key, Number(row.n));
  }
  const lost = acknowledgedKeys.filter((key) => !recorded.has(key));
  const duplicated = [...recorded.entries()].filter(([, n]) => n > 1);
  for (const key of lost.slice(0, 20)) violations.push(`acknowledged debit ${key} is not in the ledger`);
  for (const [key, n] of duplicated.slice(0, 20)) violations.push(`debit ${key} is in the ledger ${n} times`);
  const allDebits = await db('ledger_entries').whereIn('account_id', accounts.map((a) => a.id)).where('idempotency_key', 'like', 'req:chaos-%').whereNot('idempotency_key', 'chaos-deposit').count<{ n: string }[]>({ n: '*' });

  const purchaseIds = [...load.paid.keys()];
  const purchaseEntries = purchaseIds.length
    ? await db('ledger_entries').whereIn('reference', purchaseIds).where({ type: 'purchase' }).groupBy('reference').select('reference').count<{ reference: string; n: string }[]>({ n: '*' })
    : [];
  const creditedTimes = new Map(purchaseEntries.map((row) => [row.reference, Number(row.n)]));
  const purchaseDuplicates = [...creditedTimes.values()].filter((n) => n > 1).length;
  for (const id of credited.missing.slice(0, 20)) violations.push(`paid purchase ${id} not credited within ${CREDITED_WITHIN_MS / 1000} s of recovery`);
  for (const [id, n] of creditedTimes) if (n > 1) violations.push(`purchase ${id} credited ${n} times`);
  for (const account of accounts) violations.push(...(await ledgerViolations(db, account.id)));
  return {
    violations,
    debitsRecorded: recorded.size,
    debitsInLedger: Number(allDebits[0]!.n),
    debitDuplicates: duplicated.length,
    lost: lost.length,
    purchasesCredited: [...creditedTimes.values()].filter((n) => n >= 1).length,
    purchaseDuplicates,
  };
}

function printTable(faults: FaultResult[], load: Load, report: Awaited<ReturnType<typeof verify>>, credited: { creditedMs: number | null }) {
  const rows: Array<[string, string]> = [
    ['faults injected', faults.map((f) => `${f.kind}@${f.atSecond}s`).join(', ')],
    ['recovery (/readyz 200 again)', faults.map((f) => (f.recoveredMs === null ? 'never' : `${(f.recoveredMs / 1000).toFixed(1)} s`)).join(', ')],
    ['debits acknowledged (201)', String(load.acknowledged.size)],
    ['acknowledged debits in the ledger', String(report.debitsRecorded)],
    ['acknowledged debits lost', String(report.lost)],
    ['debit duplicates', String(report.debitDuplicates)],
    ['debits refused (503 / connection)', String(load.refused)],
    ['debits recorded, answer lost in the fault', String(report.debitsInLedger - report.debitsRecorded)],
    ['purchases paid (webhook acknowledged)', String(load.paid.size)],
    ['purchases credited', String(report.purchasesCredited)],
    ['purchase duplicates', String(report.purchaseDuplicates)],
    ['all credited, after the last recovery', credited.creditedMs === null ? 'NOT within 60 s' : `${(credited.creditedMs / 1000).toFixed(1)} s`],
    ['ledger invariant violations', String(report.violations.length - report.lost - report.debitDuplicates)],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  process.stdout.write(`\n| ${'check'.padEnd(width)} | result |\n| ${'-'.repeat(width)} | --- |\n`);
  for (const [name, value] of rows) process.stdout.write(`| ${name.padEnd(width)} | ${value} |\n`);
  process.stdout.write('\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`chaos failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
