import type { ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { subscriptionWorkflowId } from '../../src/subscriptions/subscription.types';
import { api } from '../helpers/api';
import { startCloseWorld, type CloseWorld } from '../helpers/close-world';
import { testDb } from '../helpers/db';
import { startWorkerProcess } from '../helpers/worker-process';
import { createTestAccount, expectLedgerInvariants, waitFor } from '../helpers/stripe-checkout';
import { accountPlan, createPaidPlan, planChangeEntries, subscribeViaEvents, waitForSubscription } from '../helpers/subscriptions';

/**
 * The worker dies (SIGKILL) after Stripe accepted an upgrade but before Settle recorded it;
 * another worker takes over. The change must be finished once: one Stripe change (the retry gets
 * Stripe's stored answer for the same idempotency key) and one prorated grant.
 */
const db = testDb();
let world: CloseWorld;
let child: ChildProcess | null = null;
let bundleDir: string;
let workflowId: string | null = null;

beforeAll(async () => {
  world = await startCloseWorld(db);
  await world.stopWorker(); // the first worker is a process of its own, to be killed
  bundleDir = fs.mkdtempSync(path.join(os.tmpdir(), 'settle-bundle-'));
}, 60000);
afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  if (workflowId) await world.client.workflow.getHandle(workflowId).terminate('test over').catch(() => undefined);
  await world.close();
  await db.destroy();
  fs.rmSync(bundleDir, { recursive: true, force: true });
});

const startWorker = () => startWorkerProcess({ taskQueue: world.taskQueue, stripeUrl: world.proxy.url, bundleDir });

describe('a worker killed in the middle of an upgrade', () => {
  it('is replaced, and the upgrade is finished once: one Stripe change, one grant', async () => {
    const scale = `scale-${crypto.randomBytes(3).toString('hex')}`;
    await createPaidPlan(scale, 99, 20_000);
    const account = await createTestAccount('Killed Mid-Upgrade', 'free');
    workflowId = subscriptionWorkflowId(account.id);
    child = await startWorker();
    await world.client.workflow.start('subscription', { workflowId, taskQueue: world.taskQueue, args: [{ accountId: account.id }] });
    const fixture = await subscribeViaEvents(db, account.id, 'pro');

    const updatePath = `/v1/subscriptions/${fixture.subscriptionId}`;
    world.proxy.failNext({ method: 'POST', path: updatePath }, { kind: 'hang' }); // Stripe executes it; the answer never arrives
    const requested = await api('POST', '/v1/subscription/change', { key: account.apiKey, body: { plan: scale }, headers: { 'Idempotency-Key': 'upgrade-once' } });
    expect(requested.status).toBe(202);
    await waitFor('the upgrade reached Stripe', async () => world.proxy.requests.some((r) => r.path === updatePath && r.outcome === 'hung'));
    expect(await accountPlan(db, account.id)).toBe('pro');

    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    world.proxy.releaseHung();
    await world.startWorker(); // the replacement retries the activity after its timeout

    await waitForSubscription(db, account.id, `upgraded to ${scale}`, (row, plan) => plan === scale && row.plan_id === scale, 75_000);
    const updates = world.proxy.requests.filter((r) => r.method === 'POST' && r.path === updatePath);
    expect(updates.map((r) => r.outcome)).toEqual(['hung', 'replayed']);
    expect(new Set(updates.map((r) => r.idempotencyKey))).toEqual(new Set([`subscription-change:${account.id}:req:upgrade-once`]));
    expect(updates[0]!.form).toMatchObject({ proration_behavior: 'always_invoice', 'metadata[plan]': scale });
    const grants = await planChangeEntries(db, account.id);
    expect(grants.map((g) => g.idempotency_key.split(':').slice(-2).join(':'))).toEqual(['1:credits', '2:credits']);
    await expectLedgerInvariants(db, account.id);
  }, 120_000);
});
