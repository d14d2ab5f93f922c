import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { recordEvent } from '../../src/outgoing-webhooks/record-event';
import { WEBHOOK_DELIVERY_WORKFLOW_ID } from '../../src/worker/webhook-delivery';
import { webhookDelivery } from '../../workflows/webhook-delivery.workflow';
import { api } from '../helpers/api';
import { testDb } from '../helpers/db';
import { startPayoutWorld, waitFor, type PayoutWorld } from '../helpers/payout-harness';
import { readStackInfo } from '../helpers/stack-info';
import { WebhookReceiver } from '../helpers/webhook-receiver';
import { startWorkerProcess } from '../helpers/worker-process';
import { newAccount } from '../factories/accounts';

/**
 * The namespace's delivery loop runs in a worker that dies (SIGKILL) while a receiver holds an
 * attempt open; a new worker takes over and the event is delivered again with the same
 * webhook-id. The test moves the one webhookDelivery workflow onto its own task queue (served by
 * worker processes it can kill) and puts it back on the stack's queue afterwards.
 */
const db = testDb();
let world: PayoutWorld;
let receiver: WebhookReceiver;
let bundleDir: string;
const children: ChildProcess[] = [];

async function moveDeliveryLoop(taskQueue: string): Promise<void> {
  await world.client.workflow.getHandle(WEBHOOK_DELIVERY_WORKFLOW_ID).terminate('moved by a test').catch(() => undefined);
  await world.client.workflow.start(webhookDelivery, { workflowId: WEBHOOK_DELIVERY_WORKFLOW_ID, taskQueue, args: [{}] });
}

beforeAll(async () => {
  world = await startPayoutWorld(db, { withWorker: false });
  receiver = await WebhookReceiver.start();
  bundleDir = fs.mkdtempSync(path.join(os.tmpdir(), 'settle-bundle-'));
}, 60_000);
afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await moveDeliveryLoop(readStackInfo().taskQueue);
  await receiver.close();
  await world.close();
  await db.destroy();
  fs.rmSync(bundleDir, { recursive: true, force: true });
});

const startWorker = async () => {
  const child = await startWorkerProcess({ taskQueue: world.taskQueue, stripeUrl: world.proxy.url, bundleDir });
  children.push(child);
  return child;
};

describe('webhook delivery when the worker is killed mid-delivery', () => {
  it('delivers again with the same webhook-id from the next worker; the lost attempt is counted, never logged as an answer', async () => {
    const account = await newAccount('free');
    const created = await api('POST', '/v1/webhook-endpoints', { key: account.key, body: { url: receiver.url } });
    receiver.secrets = [created.body.secret];

    await moveDeliveryLoop(world.taskQueue);
    // the stack's session learns of the termination at its next heartbeat (sent at most every
    // 12 s: 0.8 × the 15 s heartbeat timeout) and stops taking work
    await new Promise((resolve) => setTimeout(resolve, 13_000));
    const first = await startWorker();
    receiver.replies.push('hang');
    await recordEvent(db, { type: 'purchase.fulfilled', accountId: account.id, data: { purchase_id: 'pur_kill' } });
    await waitFor('the first attempt is held open by the receiver', async () => receiver.pendingReplies === 1, 30_000);

    const exited = new Promise((resolve) => first.once('exit', resolve));
    first.kill('SIGKILL');
    await exited;
    await startWorker();

    const [delivery] = await waitFor('delivered by the next worker', async () => {
      const rows = await db('webhook_deliveries').where({ endpoint_id: created.body.id });
      return rows[0]?.status === 'delivered' && rows;
    }, 60_000);
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[1]!.id).toBe(receiver.received[0]!.id);
    expect(receiver.received.every((r) => r.verified)).toBe(true);
    expect(delivery).toMatchObject({ attempts: 2, last_status_code: 200 });
    // attempt 1 died with its worker: no answer was ever recorded for it
    const log = await db('webhook_delivery_attempts').where({ delivery_id: delivery.id }).orderBy('attempt');
    expect(log.map((a) => [a.attempt, a.status_code])).toEqual([[2, 200]]);
  }, 120_000);
});
