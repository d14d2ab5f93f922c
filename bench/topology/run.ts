import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { loadConfig } from '../../src/config/config';
import { createDb } from '../../src/db/knex';
import { freePort } from '../../src/runtime/free-port';
import { call, waitUntil, type StackInfo } from '../chaos/own-stack';
import { startBalancer, type Balancer } from './balancer';
import { closeCheck, debitCheck, invariantCheck, payoutCheck, purchaseCheck } from './checks';
import { SteadyLoad, type PhaseCounts } from './load';
import { describeHistory, historyOf } from './history';
import { figuresOf, markdownTable, metricSum } from './metrics-figures';
import { startServices, type Services } from './services';
import { SettleProcess } from './settle-process';
import { CLOSE_PERIOD, PAYOUT_PERIOD, seedCloseAccounts, seedLoadAccounts, seedPublishers } from './world';

/**
 * `npm run topology [-- --short]`: the production topology on one machine. PostgreSQL, the
 * Temporal dev server and stripe-mock start once; then 2 × `npm run api` and 2 × `npm run worker`
 * as separate processes in production mode, behind a round-robin load balancer. Under steady
 * debit and webhook load it SIGKILLs a worker during a month-end close and during a payout run,
 * restarts each API in turn with SIGTERM, and stops PostgreSQL for 10 s. Then it checks that the
 * surviving worker finished both exactly once, that no request failed during the rolling restart,
 * that no acknowledged debit was lost, prints a table and each process's /metrics figures, and
 * exits 1 on any violation.
 */
const short = process.argv.includes('--short');
const PLAN = short
  ? { closeAccounts: 200, publishers: 20, debitLanes: 2, debitPauseMs: 20, outageMs: 10_000, loadAccounts: 4 }
  : { closeAccounts: 2000, publishers: 100, debitLanes: 4, debitPauseMs: 10, outageMs: 10_000, loadAccounts: 8 };
const PHASE_TIMEOUT_MS = short ? 240_000 : 600_000;

const log = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = (ms: number | null) => (ms === null ? 'never' : `${(ms / 1000).toFixed(1)} s`);

interface Topology {
  services: Services;
  apis: SettleProcess[];
  workers: SettleProcess[];
  balancer: Balancer;
  target: StackInfo;
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'settle-topology-'));
  const config = loadConfig({ ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'error' }, 'embedded');
  log(`topology${short ? ' (short)' : ''}: services in ${dataDir}`);
  const services = await startServices(config);
  const started: SettleProcess[] = [];
  let balancer: Balancer | null = null;
  let db: Knex | null = null;
  let exitCode = 1;
  try {
    const topology = await startTopology(services, started);
    balancer = topology.balancer;
    db = createDb(services.databaseUrl, 12);
    exitCode = await exercise(topology, db);
  } catch (error) {
    log(`topology failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    for (const process of started) log(`--- ${process.name} (last output) ---\n${process.recentOutput()}`);
  } finally {
    await db?.destroy().catch(() => undefined);
    await Promise.all(started.map((process) => process.stop().catch(() => undefined)));
    await balancer?.close();
    await services.stop();
    if (exitCode === 0) fs.rmSync(dataDir, { recursive: true, force: true });
    else log(`topology: data and logs kept in ${dataDir}`);
  }
  process.exit(exitCode);
}

async function startTopology(services: Services, started: SettleProcess[]): Promise<Topology> {
  const port = () => freePort();
  const workers = [new SettleProcess('worker-1', 'worker', services, { metrics: await port() }), new SettleProcess('worker-2', 'worker', services, { metrics: await port() })];
  const apis = [
    new SettleProcess('api-1', 'api', services, { http: await port(), metrics: await port() }),
    new SettleProcess('api-2', 'api', services, { http: await port(), metrics: await port() }),
  ];
  started.push(...workers, ...apis);
  // The first worker applies the migrations; the others start once the schema is there.
  await workers[0]!.start();
  await Promise.all([workers[1]!.start(), ...apis.map((api) => api.start())]);
  const balancer = await startBalancer(await port(), apis.map((api) => api.ports.http!));
  log(`  2 APIs, 2 workers and the load balancer at ${balancer.url} are up`);
  const target = {
    pid: process.pid,
    apiUrl: balancer.url,
    databaseUrl: services.databaseUrl,
    temporalAddress: services.temporalAddress,
    temporalNamespace: 'default',
    taskQueue: 'settle',
    stripeApiBase: services.stripeApiBase,
    adminApiKey: services.adminApiKey,
    webhookSecret: services.webhookSecret,
    dataDir: '',
  };
  return { services, apis, workers, balancer, target };
}

/** The worker running the most activities right now, read from each worker's /metrics. */
async function busiestWorker(workers: SettleProcess[]): Promise<{ worker: SettleProcess; inFlight: number }> {
  const inFlight = await Promise.all(workers.map(async (worker) => metricSum(await worker.scrape(), 'settle_temporal_worker_activities_in_flight') ?? -1));
  const index = inFlight.indexOf(Math.max(...inFlight));
  return { worker: workers[index]!, inFlight: inFlight[index]! };
}

async function exercise(topology: Topology, db: Knex): Promise<number> {
  const { services, apis, workers, balancer, target } = topology;
  log(`  seeding ${PLAN.closeAccounts} accounts to close in ${CLOSE_PERIOD.key} and ${PLAN.publishers} publishers to pay for ${PAYOUT_PERIOD.key} …`);
  await seedCloseAccounts(db, PLAN.closeAccounts, log);
  await seedPublishers(db, PLAN.publishers);
  const accounts = await seedLoadAccounts(db, target, PLAN.loadAccounts);
  const load = new SteadyLoad(target, accounts, { debitConcurrency: PLAN.debitLanes, debitPauseMs: PLAN.debitPauseMs, purchaseEveryMs: 400 });
  const rows: Array<[string, string]> = [];
  const violations: string[] = [];
  load.start();
  await sleep(3000);

  // 1. SIGKILL the worker running the close, mid-close; the other one finishes it.
  load.phase = 'close + worker kill';
  const closeStarted = Date.now();
  const startClose = await call(target, 'POST', '/v1/admin/closes', { key: target.adminApiKey, body: { period: CLOSE_PERIOD.key } });
  if (startClose.status !== 202) throw new Error(`the close did not start: ${startClose.status} ${JSON.stringify(startClose.body)}`);
  // accounts are closed one by one inside a page: the first closed one means a page is under way
  const closedCount = async () => Number((await db('periods').where({ period: CLOSE_PERIOD.key, status: 'closed' }).count<{ n: string }[]>({ n: '*' }))[0]!.n);
  await waitUntil(async () => (await closedCount()) > 0, PHASE_TIMEOUT_MS, 25);
  const closeVictim = await busiestWorker(workers);
  const doneAtKill = await closedCount();
  const closeKilledAt = Date.now();
  await closeVictim.worker.kill();
  log(`  close: SIGKILL ${closeVictim.worker.name} (${closeVictim.inFlight} activities in flight) at ${doneAtKill}/${PLAN.closeAccounts} accounts`);
  const closeDone = await waitUntil(async () => (await db('closes').where({ period: CLOSE_PERIOD.key }).first())?.status !== 'running', PHASE_TIMEOUT_MS, 250);
  const closeFinished = Date.now();
  const close = await closeCheck(db, CLOSE_PERIOD.key, PLAN.closeAccounts);
  log(`  close: ${close.status} after ${seconds(closeFinished - closeStarted)} (${seconds(closeFinished - closeKilledAt)} after the kill)`);
  await closeVictim.worker.start(); // the process manager brings it back
  if (!closeDone || close.status !== 'completed') violations.push(`the close ended ${close.status}`);
  if (doneAtKill >= PLAN.closeAccounts) violations.push('the close had finished before the worker was killed');
  if (close.accountsDone !== PLAN.closeAccounts || close.accountsClosed !== PLAN.closeAccounts) violations.push(`close: ${close.accountsDone} done, ${close.accountsClosed} period rows closed, ${PLAN.closeAccounts} expected`);
  violations.push(...close.gaps.map((gap) => `invoice numbers not gapless: ${gap}`));
  rows.push(['close: accounts closed / expected', `${close.accountsClosed} / ${close.expected} (worker killed at ${doneAtKill})`]);
  rows.push(['close: duration, after the kill', `${seconds(closeFinished - closeStarted)}, ${seconds(closeFinished - closeKilledAt)}`]);
  const closeHistory = await historyOf(services.temporalAddress, `close:${CLOSE_PERIOD.key}`);
  rows.push(['close: Temporal history (per account)', describeHistory(closeHistory, PLAN.closeAccounts)]);
  rows.push(['close: period invoices, all invoices gapless', `${close.invoices}, ${close.gaps.length === 0 ? 'yes' : 'NO'} (${close.invoicesNumbered} numbered)`]);

  // 2. SIGKILL a worker mid-payout-run; the other one pays everyone exactly once.
  load.phase = 'payout + worker kill';
  const payoutStarted = Date.now();
  const startRun = await call(target, 'POST', '/v1/admin/payout-runs', { key: target.adminApiKey, body: { period: PAYOUT_PERIOD.key } });
  if (startRun.status !== 202) throw new Error(`the payout run did not start: ${startRun.status} ${JSON.stringify(startRun.body)}`);
  const paidCount = async () => Number((await db('payouts').where({ period: PAYOUT_PERIOD.key, status: 'paid' }).count<{ n: string }[]>({ n: '*' }))[0]!.n);
  await waitUntil(async () => (await paidCount()) > 0, PHASE_TIMEOUT_MS, 25);
  const payoutVictim = await busiestWorker(workers);
  const paidAtKill = await paidCount();
  const payoutKilledAt = Date.now();
  await payoutVictim.worker.kill();
  log(`  payout run: SIGKILL ${payoutVictim.worker.name} (${payoutVictim.inFlight} activities in flight) at ${paidAtKill}/${PLAN.publishers} paid`);
  const allPaid = await waitUntil(async () => (await paidCount()) >= PLAN.publishers, PHASE_TIMEOUT_MS, 250);
  const payoutFinished = Date.now();
  const payouts = await payoutCheck(db, PAYOUT_PERIOD.key);
  log(`  payout run: ${payouts.paid}/${payouts.payouts} paid after ${seconds(payoutFinished - payoutStarted)}`);
  await payoutVictim.worker.start();
  if (!allPaid || payouts.paid !== PLAN.publishers || payouts.payouts !== PLAN.publishers) violations.push(`payouts: ${payouts.paid} of ${payouts.payouts} paid, ${PLAN.publishers} expected`);
  if (payouts.oneTransferEach !== payouts.payouts) violations.push(`payouts: only ${payouts.oneTransferEach} of ${payouts.payouts} have exactly one transfer attempt`);
  if (paidAtKill >= PLAN.publishers) violations.push('the payout run had finished before the worker was killed');
  rows.push(['payouts: paid / planned, one transfer each', `${payouts.paid} / ${payouts.payouts}, ${payouts.oneTransferEach} (worker killed at ${paidAtKill} paid)`]);
  const payoutHistory = await historyOf(services.temporalAddress, `payout-run:${PAYOUT_PERIOD.key}`);
  rows.push(['payout run: Temporal history (per payout)', describeHistory(payoutHistory, PLAN.publishers)]);
  rows.push(['payouts: duration, after the kill', `${seconds(payoutFinished - payoutStarted)}, ${seconds(payoutFinished - payoutKilledAt)}`]);

  // 3. Rolling restart of the APIs (SIGTERM, start): the balancer sees no failed request.
  load.phase = 'rolling restart';
  const noBackendBefore = balancer.counts.noBackend;
  const rollingStarted = Date.now();
  for (const api of apis) {
    await api.stop();
    await api.start();
  }
  await sleep(2000); // requests sent during the restart finish before the next fault
  const rolling = load.counts('rolling restart');
  const rollingFailures = rolling.failed + rolling.unanswered + (balancer.counts.noBackend - noBackendBefore);
  log(`  rolling restart: ${rolling.sent} requests, ${rollingFailures} failed, in ${seconds(Date.now() - rollingStarted)}`);
  if (rollingFailures !== 0) violations.push(`rolling restart: ${rollingFailures} failed request(s) at the load balancer`);
  rows.push(['rolling restart: requests, failed, duration', `${rolling.sent}, ${rollingFailures}, ${seconds(Date.now() - rollingStarted)}`]);

  // 4. PostgreSQL stopped for 10 s: 503s meanwhile (not hangs), then recovery by itself.
  load.phase = 'postgres stopped';
  await services.stopPostgres();
  await sleep(PLAN.outageMs);
  load.phase = 'postgres back';
  await services.startPostgres();
  const backAt = Date.now();
  const apiBack = await waitUntil(async () => load.firstDebitOkAfter(backAt), 60_000, 100);
  const workersBack = await waitUntil(async () => {
    const up = await Promise.all(workers.map(async (worker) => metricSum(await worker.scrape(), 'settle_database_up')));
    return up.every((value) => value === 1);
  }, 60_000, 200);
  const workersBackMs = workersBack ? Date.now() - backAt : null;
  const outage = load.counts('postgres stopped');
  log(`  postgres outage: ${outage.sent} requests, ${outage.status503} answered 503, slowest ${outage.maxLatencyMs} ms; APIs recovered ${seconds(apiBack ? apiBack - backAt : null)}, workers ${seconds(workersBackMs)} after the start`);
  if (!apiBack) violations.push('the APIs did not answer a debit within 60 s of PostgreSQL starting again');
  if (!workersBack) violations.push('the workers did not read the database within 60 s of PostgreSQL starting again');
  if (outage.unanswered > 0) violations.push(`postgres outage: ${outage.unanswered} request(s) hung or lost their connection instead of a 503`);
  if (outage.status503 === 0) violations.push('postgres outage: no 503 seen while PostgreSQL was down');
  rows.push(['postgres stopped 10 s: requests, 503, unanswered, slowest', `${outage.sent}, ${outage.status503}, ${outage.unanswered}, ${outage.maxLatencyMs} ms`]);
  rows.push(['postgres back: APIs 2xx again, workers read again', `${seconds(apiBack ? apiBack - backAt : null)}, ${seconds(workersBackMs)}`]);

  load.phase = 'steady';
  await sleep(3000);
  await load.stop();
  const figures = await Promise.all([...apis, ...workers].map(async (process) => figuresOf(process.name, await process.scrape())));

  const debits = await debitCheck(db, load);
  const purchases = await purchaseCheck(db, load);
  const invariants = await invariantCheck(db, accounts.map((a) => a.id));
  if (debits.lost > 0) violations.push(`${debits.lost} acknowledged debit(s) are not in the ledger`);
  if (debits.duplicated > 0) violations.push(`${debits.duplicated} debit(s) are in the ledger more than once`);
  if (purchases.credited !== purchases.paid || purchases.duplicated > 0) violations.push(`purchases: ${purchases.credited} of ${purchases.paid} credited, ${purchases.duplicated} twice`);
  violations.push(...invariants.slice(0, 20));

  const total = [...load.phases.values()].reduce<PhaseCounts>((sum, p) => ({ sent: sum.sent + p.sent, ok: sum.ok + p.ok, refused: sum.refused + p.refused, failed: sum.failed + p.failed, unanswered: sum.unanswered + p.unanswered, status503: sum.status503 + p.status503, maxLatencyMs: Math.max(sum.maxLatencyMs, p.maxLatencyMs) }), { sent: 0, ok: 0, refused: 0, failed: 0, unanswered: 0, status503: 0, maxLatencyMs: 0 });
  rows.unshift(
    ['requests sent (at the load balancer)', String(total.sent)],
    ['2xx / 4xx / 5xx / unanswered', `${total.ok} / ${total.refused} / ${total.failed} / ${total.unanswered}`],
    ['debits acknowledged / recorded', `${debits.acknowledged} / ${debits.recorded}`],
    ['acknowledged debits lost', String(debits.lost)],
    ['debit duplicates', String(debits.duplicated)],
    ['debits recorded, answer lost in a fault', String(debits.recordedUnacknowledged)],
    ['purchases paid / credited / twice', `${purchases.paid} / ${purchases.credited} / ${purchases.duplicated}`],
  );
  rows.push(['ledger invariant violations', String(invariants.length)]);

  log('');
  log(markdownTable(rows.map(([check, result]) => ({ check, result }))));
  log('');
  log(markdownTable([...load.phases.entries()].map(([phase, p]) => ({ phase, sent: String(p.sent), '2xx': String(p.ok), '4xx': String(p.refused), '5xx': String(p.failed), 'of which 503': String(p.status503), unanswered: String(p.unanswered), 'slowest ms': String(p.maxLatencyMs) }))));
  log('');
  log('/metrics of each process at the end (cumulative since its last start):');
  log(markdownTable(figures));
  log('');
  for (const violation of violations.slice(0, 50)) log(`VIOLATION ${violation}`);
  log(violations.length === 0 ? 'topology: all checks passed' : `topology: ${violations.length} violation(s)`);
  return violations.length === 0 ? 0 : 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`topology failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
