import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { createAccount } from '../../src/accounts/accounts.service';
import { createDb } from '../../src/db/knex';
import { call, paidCheckoutEvent, postmasterPid, postSignedEvent, startOwnStack, temporalPid, waitUntil, type OwnStack } from '../../bench/chaos/own-stack';

/**
 * The supervision of `npm start`, on a stack of this test's own (never the shared one): kill -9
 * of PostgreSQL's postmaster or of the Temporal dev server heals by itself. While one is down and
 * cannot come back (a stranger holds its port), the API answers 503 + Retry-After where it needs
 * it, acknowledged webhooks wait in the inbox, and nothing acknowledged is lost; once the port is
 * free the supervisor restarts it on its data, and within 30 s /readyz is 200 and debits succeed.
 */
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'settle-self-healing-'));
let stack: OwnStack;
let db: Knex;
let account: { id: string; api_key: string };

beforeAll(async () => {
  stack = await startOwnStack({ dataDir });
  db = createDb(stack.info.databaseUrl, 2);
  // through the service: this suite is about the stack's recovery, not account creation
  account = await createAccount(db, { name: 'Self-healing Co', plan: 'free' });
  const deposit = await call(stack.info, 'POST', '/v1/admin/credits/deposit', { key: stack.info.adminApiKey, body: { account_id: account.id, amount: 100000, idempotency_key: 'seed-deposit' } });
  expect(deposit.status).toBe(201);
}, 120_000);

afterAll(async () => {
  if (process.env.SELF_HEALING_DEBUG) console.log(stack?.logLines().join('\n'));
  await db?.destroy();
  stack?.kill();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

let debitCount = 0;
const debit = (timeoutMs?: number) =>
  call(stack.info, 'POST', '/v1/credits/debit', { key: account.api_key, body: { amount: 1, idempotency_key: `heal-${++debitCount}` }, timeoutMs });
const readyz = () => call(stack.info, 'GET', '/readyz', { timeoutMs: 5000 });

/** Binds `port` as soon as the dead server lets go of it, so its restart fails until released. */
async function holdPort(port: number): Promise<net.Server> {
  const deadline = Date.now() + 5000;
  for (;;) {
    // a stranger that accepts and hangs up, as a program speaking another protocol would
    const server = net.createServer((socket) => socket.destroy());
    const bound = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (bound) return server;
    if (Date.now() > deadline) throw new Error(`port ${port} was never released`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
const release = (server: net.Server) => new Promise((resolve) => server.close(resolve));

const acknowledged = async (keys: string[]) =>
  (await db('ledger_entries').where({ account_id: account.id }).whereIn('idempotency_key', keys.map((key) => `req:${key}`)).count<{ n: string }[]>({ n: '*' }))[0]!.n;

describe('self-healing stack', () => {
  it('PostgreSQL killed -9: 503 + Retry-After while it is down, restarted on its port, debits succeed again within 30 s, nothing acknowledged lost', async () => {
    const before = [];
    for (let i = 0; i < 5; i++) {
      const response = await debit();
      expect(response.status).toBe(201);
      before.push(`heal-${debitCount}`);
    }
    const port = Number(new URL(stack.info.databaseUrl).port);
    process.kill(postmasterPid(dataDir), 'SIGKILL');
    const squatter = await holdPort(port);
    try {
      const down = await debit(30_000);
      // the stack's own log says why, should this ever answer anything else (status 0: no answer)
      if (down.status !== 503) throw new Error(`expected 503 while PostgreSQL is down, got ${down.status} ${JSON.stringify(down.body)}\n${stack.logLines().slice(-40).join('\n')}`);
      expect({ status: down.status, body: down.body }).toMatchObject({ status: 503 });
      expect(down.body.error.code).toBe('unavailable');
      expect(down.headers.get('retry-after')).toMatch(/^\d+$/);
      const notReady = await readyz();
      expect(notReady.status).toBe(503);
      expect(notReady.body.checks.database).toMatch(/^error: /);
      expect(await waitUntil(async () => stack.logLines().find((line) => /PostgreSQL could not be restarted: .*another program took port/.test(line)), 20_000)).toBeTruthy();
    } finally {
      await release(squatter);
    }
    const released = Date.now();
    expect(await waitUntil(async () => (await readyz()).status === 200, 30_000)).toBe(true);
    expect(await waitUntil(async () => (await debit()).status === 201, 30_000 - (Date.now() - released))).toBe(true);
    expect(Date.now() - released).toBeLessThan(30_000);
    expect(stack.logLines().some((line) => /^PostgreSQL restarted/.test(line))).toBe(true);
    expect(await acknowledged(before)).toBe('5');
  }, 90_000);

  it('Temporal killed -9: the manual reconcile fails fast with 503, debits go on, and a webhook acknowledged meanwhile is credited once it is back', async () => {
    const purchase = await call(stack.info, 'POST', '/v1/billing/credits/purchase', { key: account.api_key, body: { amount: 50 } });
    expect(purchase.status).toBe(201);
    const amountMinor = Math.round(purchase.body.amount_due * 100);
    const port = Number(stack.info.temporalAddress.split(':')[1]);
    process.kill(temporalPid(stack.info)!, 'SIGKILL');
    const squatter = await holdPort(port);
    try {
      const webhook = await postSignedEvent(stack.info, paidCheckoutEvent(purchase.body.purchase_id, amountMinor));
      expect(webhook.status).toBe(200);
      const started = Date.now();
      const reconcile = await call(stack.info, 'POST', '/v1/admin/payment-orders/reconciliations', { key: stack.info.adminApiKey, body: {} });
      expect({ status: reconcile.status, code: reconcile.body.error?.code }).toEqual({ status: 503, code: 'unavailable' });
      expect(reconcile.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(Date.now() - started).toBeLessThan(5000);
      expect((await debit()).status).toBe(201); // the hot path does not need Temporal
      const notReady = await readyz();
      expect(notReady.status).toBe(503);
      expect(notReady.body.checks.temporal).toMatch(/^error: /);
      const order = await db('payment_orders').where({ id: purchase.body.purchase_id }).first();
      expect(order.status).toBe('pending');
      expect(await waitUntil(async () => stack.logLines().find((line) => /Temporal dev server could not be restarted/.test(line)), 20_000)).toBeTruthy();
    } finally {
      await release(squatter);
    }
    const released = Date.now();
    expect(await waitUntil(async () => (await readyz()).status === 200, 30_000)).toBe(true);
    const fulfilled = await waitUntil(async () => {
      const order = await db('payment_orders').where({ id: purchase.body.purchase_id }).first();
      return order.status === 'fulfilled' ? order : null;
    }, 30_000);
    expect(fulfilled).toBeTruthy();
    expect(Date.now() - released).toBeLessThan(30_000);
    expect(await db('ledger_entries').where({ account_id: account.id, type: 'purchase' })).toHaveLength(1);
    expect(stack.logLines().some((line) => /^the Temporal dev server restarted/.test(line))).toBe(true);
  }, 90_000);

  it('a clean stop restarts nothing and leaves no server behind', async () => {
    const servers = [postmasterPid(dataDir), temporalPid(stack.info)!];
    const started = Date.now();
    await stack.stop();
    expect(Date.now() - started).toBeLessThan(10_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const alive = servers.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    expect(alive).toEqual([]);
    expect(stack.logLines().filter((line) => /restarting it/.test(line))).toHaveLength(2); // the two kills above, none at stop
  }, 30_000);
});
