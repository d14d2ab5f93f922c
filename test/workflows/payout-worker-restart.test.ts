import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { publisherPayoutRun } from '../../workflows/publisher-payout.workflow';
import { testDb } from '../helpers/db';
import { startWorkerProcess } from '../helpers/worker-process';
import { makeAccount, makePublisher, makeTool, monthStart, periodOf, startPayoutWorld, useTools, waitFor, type PayoutWorld } from '../helpers/payout-harness';

/**
 * The worker dies (SIGKILL) after Stripe created the transfers but before it could record them;
 * another worker takes over. Every payout must end paid with exactly one transfer.
 */
const db = testDb();
let world: PayoutWorld;
let child: ChildProcess | null = null;
let bundleDir: string;

beforeAll(async () => {
  world = await startPayoutWorld(db, { withWorker: false });
  bundleDir = fs.mkdtempSync(path.join(os.tmpdir(), 'settle-bundle-'));
}, 60000);
afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await world.close();
  await db.destroy();
  fs.rmSync(bundleDir, { recursive: true, force: true });
});

const startWorker = () => startWorkerProcess({ taskQueue: world.taskQueue, stripeUrl: world.proxy.url, bundleDir });

describe('a worker stopped in the middle of a payout run', () => {
  it('is replaced by another worker and every payout is paid with exactly one transfer', async () => {
    const month = monthStart(32); // a period of its own: the run takes every publisher with earnings in it
    const period = periodOf(month);
    const account = await makeAccount(db, month);
    const publishers: string[] = [];
    for (let i = 0; i < 3; i++) {
      const publisher = await makePublisher(db);
      await useTools(db, account, [{ tool: await makeTool(db, publisher.id, '100'), quantity: 40 + i }], new Date(month.getTime() + 60_000));
      publishers.push(publisher.id);
    }
    const mine = (r: { idempotencyKey: string | null }) => publishers.some((id) => r.idempotencyKey?.startsWith(`payout:${id}:`));
    // Stripe (stripe-mock) executes each transfer; its answer never reaches the first worker.
    world.proxy.failNext({ method: 'POST', path: '/v1/transfers' }, { kind: 'hang' }, publishers.length);

    child = await startWorker();
    const run = await world.client.workflow.start(publisherPayoutRun, {
      workflowId: `payout-run:${period}:${Date.now()}`,
      taskQueue: world.taskQueue,
      args: [{ period }],
    });
    await waitFor('all transfers in flight', async () => world.proxy.requests.filter((r) => r.outcome === 'hung' && mine(r)).length === publishers.length);
    const payouts: Array<{ id: string; publisher_id: string; status: string }> = await db('payouts').where({ period }).orderBy('publisher_id');
    expect(payouts.map((p) => p.status)).toEqual(['pending', 'pending', 'pending']);

    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    world.proxy.releaseHung();

    const replacement = await world.startWorker();
    const result = await run.result();
    await replacement.stop();

    expect(result).toMatchObject({ step: 'done', planned: 3, processed: 3, byStatus: { paid: 3 } });
    for (const payout of payouts) {
      const row = await db('payouts').where({ id: payout.id }).first();
      const created = world.proxy.transfersCreated((r) => r.form['metadata[payout_id]'] === payout.id);
      expect(created).toHaveLength(1);
      expect(created[0]!.idempotencyKey).toBe(`payout:${payout.publisher_id}:${period}`);
      // The replacement's retry got Stripe's stored answer for the same key: the same transfer.
      const replayed = world.proxy.requests.filter((r) => r.outcome === 'replayed' && r.form['metadata[payout_id]'] === payout.id);
      expect(replayed.length).toBeGreaterThanOrEqual(1);
      expect(row).toMatchObject({ status: 'paid', attempts: 1, transfer_id: created[0]!.objectId });
    }
  }, 90000);
});
