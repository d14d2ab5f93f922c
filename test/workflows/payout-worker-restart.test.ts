import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { publisherPayout } from '../../workflows/publisher-payout.workflow';
import { payoutWorkflowId } from '../../src/payouts/payout-keys';
import { workflowBundle } from '../../src/worker/create-worker';
import { testDb } from '../helpers/db';
import { makeAccount, makePublisher, makeTool, monthStart, periodOf, planOne, startPayoutWorld, useTools, waitFor, type PayoutWorld } from '../helpers/payout-harness';

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

async function startWorkerProcess(): Promise<ChildProcess> {
  const codePath = path.join(bundleDir, 'workflows.js');
  fs.writeFileSync(codePath, (await workflowBundle()).code);
  const script = path.resolve(__dirname, '../helpers/payout-worker-process.ts');
  const proc = spawn(process.execPath, ['--import', 'tsx', script, world.taskQueue, world.proxy.url, codePath], {
    cwd: path.resolve(__dirname, '../..'),
    env: process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    proc.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
    proc.once('exit', (code) => reject(new Error(`worker process exited (${code}): ${stderr}`)));
  });
  return proc;
}

describe('a worker stopped in the middle of a payout run', () => {
  it('is replaced by another worker and every payout is paid with exactly one transfer', async () => {
    const M2 = monthStart(2);
    const period = periodOf(M2);
    const account = await makeAccount(db, M2);
    const payouts: Array<{ publisherId: string; payoutId: string }> = [];
    for (let i = 0; i < 3; i++) {
      const publisher = await makePublisher(db);
      await useTools(db, account, [{ tool: await makeTool(db, publisher.id, '100'), quantity: 40 + i }], new Date(M2.getTime() + 60_000));
      payouts.push({ publisherId: publisher.id, payoutId: await planOne(db, publisher.id, period, monthStart(1)) });
    }
    const mine = (r: { form: Record<string, string> }) => payouts.some((p) => p.payoutId === r.form['metadata[payout_id]']);
    // Stripe (stripe-mock) executes each transfer; its answer never reaches the first worker.
    world.proxy.failNext({ method: 'POST', path: '/v1/transfers' }, { kind: 'hang' }, payouts.length);

    child = await startWorkerProcess();
    const handles = await Promise.all(
      payouts.map((p) =>
        world.client.workflow.start(publisherPayout, {
          workflowId: payoutWorkflowId(p.publisherId, period),
          taskQueue: world.taskQueue,
          args: [{ payoutId: p.payoutId, publisherId: p.publisherId, period, asOf: monthStart(1).toISOString() }],
        }),
      ),
    );
    await waitFor('all transfers in flight', async () => world.proxy.requests.filter((r) => r.outcome === 'hung' && mine(r)).length === payouts.length);
    const pendingBefore = await db('payouts').whereIn('id', payouts.map((p) => p.payoutId)).where({ status: 'pending' }).count({ n: '*' }).first();
    expect(pendingBefore).toEqual({ n: String(payouts.length) });

    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    world.proxy.releaseHung();

    const replacement = await world.startWorker();
    const results = await Promise.all(handles.map((h) => h.result()));
    await replacement.stop();

    expect(results.map((r) => r.status)).toEqual(['paid', 'paid', 'paid']);
    for (const { payoutId, publisherId } of payouts) {
      const row = await db('payouts').where({ id: payoutId }).first();
      const created = world.proxy.transfersCreated((r) => r.form['metadata[payout_id]'] === payoutId);
      expect(created).toHaveLength(1);
      expect(created[0]!.idempotencyKey).toBe(`payout:${publisherId}:${period}`);
      // The replacement's retry got Stripe's stored answer for the same key: the same transfer.
      const replayed = world.proxy.requests.filter((r) => r.outcome === 'replayed' && r.form['metadata[payout_id]'] === payoutId);
      expect(replayed.length).toBeGreaterThanOrEqual(1);
      expect(row).toMatchObject({ status: 'paid', attempts: 1, transfer_id: created[0]!.objectId });
    }
  }, 90000);
});
