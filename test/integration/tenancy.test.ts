import { allRoutes } from '../../src/http/routes';
import { accessOf } from '../../src/http/route';
import { ensureInvoicePdf } from '../../src/invoices/invoice-pdf.service';
import { newId } from '../../src/shared/ids';
import { createDraft, finalizeInvoice } from '../../src/invoices/invoices.service';
import { api } from '../helpers/api';
import { testDb } from '../helpers/db';
import { defaultInvoiceSettings, purchaseInput } from '../helpers/invoice-fixtures';
import { newAccount, newTool, useTool, type TestAccount } from '../factories/accounts';

const db = testDb();
afterAll(() => db.destroy());

async function issuedInvoice(owner: TestAccount): Promise<Record<string, string>> {
  const draft = await createDraft(db, purchaseInput(owner.id));
  await finalizeInvoice(db, defaultInvoiceSettings(), draft.id);
  await ensureInvoicePdf(db, draft.id);
  return { id: draft.id };
}

/**
 * How to make an object owned by an account for each account-scoped route with a path id.
 * A new route of that kind fails the coverage test below until it is added here.
 */
const ownedObject: Record<string, (owner: TestAccount) => Promise<Record<string, string>>> = {
  '/v1/usage/:id': async (owner) => ({ id: (await useTool(owner, await newTool(1))).body.id }),
  '/v1/invoices/:id': issuedInvoice,
  '/v1/billing/credits/purchases/:id': async (owner) => ({
    id: (await api('POST', '/v1/billing/credits/purchase', { key: owner.key, body: { amount: 100 } })).body.purchase_id,
  }),
  '/v1/invoices/:id/pdf': issuedInvoice,
  '/v1/holds/:id': placedHold,
  '/v1/holds/:id/capture': async (owner) => ({ ...(await placedHold(owner)), tool: await newTool(1) }),
  '/v1/holds/:id/release': placedHold,
  '/v1/tasks/:task_id': async (owner) => {
    await useTool(owner, await newTool(1), { task_id: 'task-tenancy' });
    return { task_id: 'task-tenancy' };
  },
  '/v1/webhook-endpoints/:id': webhookEndpoint,
  '/v1/webhook-endpoints/:id/rotate-secret': webhookEndpoint,
  '/v1/webhook-endpoints/:id/deliveries': webhookEndpoint,
  '/v1/webhook-deliveries/:id/redeliver': failedDelivery,
};

async function webhookEndpoint(owner: TestAccount): Promise<Record<string, string>> {
  return { id: (await api('POST', '/v1/webhook-endpoints', { key: owner.key, body: { url: 'http://127.0.0.1:9/hook' } })).body.id };
}

/** A delivery to the owner's endpoint that has given up, as redelivery expects. */
async function failedDelivery(owner: TestAccount): Promise<Record<string, string>> {
  const endpoint = await webhookEndpoint(owner);
  const [eventId, id] = [newId('evt'), newId('whd')];
  await db('events').insert({ id: eventId, type: 'credits.low_balance', account_id: owner.id, payload: JSON.stringify({}) });
  await db('webhook_deliveries').insert({ id, event_id: eventId, endpoint_id: endpoint.id, status: 'failed', attempts: 12, next_attempt_at: null });
  return { id };
}

async function placedHold(owner: TestAccount): Promise<Record<string, string>> {
  return { id: (await api('POST', '/v1/holds', { key: owner.key, body: { credits: 5 } })).body.id };
}

/** The body the request needs, by method and path, for routes that take one. */
const requestBody: Record<string, (params: Record<string, string>) => unknown> = {
  'POST /v1/holds/:id/capture': (params) => ({ items: [{ type: 'tool', tool: params.tool }] }),
  'PATCH /v1/webhook-endpoints/:id': () => ({ description: 'renamed' }),
};

const accountRoutesWithIds = allRoutes.filter((route) => {
  const access = accessOf(route);
  return access.includes('account') && route.path.includes('/:');
});

describe('tenancy', () => {
  it('covers every account-scoped route that takes an id', () => {
    expect([...new Set(accountRoutesWithIds.map((route) => route.path))].sort()).toEqual(Object.keys(ownedObject).sort());
  });

  it.each(accountRoutesWithIds.map((route) => [route.method.toUpperCase(), route.path] as const))(
    "%s %s with another account's key is a 404",
    async (method, path) => {
      const [owner, stranger] = [await newAccount('pro'), await newAccount('pro')];
      const params = await ownedObject[path]!(owner);
      const url = path.replace(/:([a-z_]+)/g, (_m, name: string) => params[name]!);
      const body = requestBody[`${method} ${path}`]?.(params);
      // the stranger first: refused as if it did not exist, and it changed nothing the owner then sees
      const response = await api(method, url, { key: stranger.key, body });
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe('not_found');
      expect((await api(method, url, { key: owner.key, body })).status).toBeLessThan(300);
    },
  );

  it("never shows another account's ledger, usage or balance", async () => {
    const [owner, stranger] = [await newAccount('pro'), await newAccount('free')];
    const tool = await newTool(5);
    await useTool(owner, tool);
    const views = await Promise.all(
      ['/v1/credits/transactions', '/v1/billing/usage', '/v1/credits/usage-summary', '/v1/statements.csv', '/v1/billing/credits'].map((path) =>
        api('GET', path, { key: stranger.key }),
      ),
    );
    for (const view of views) expect(view.text).not.toContain(tool);
    expect(views[0]!.body.data.every((t: any) => t.type === 'grant')).toBe(true);
    expect(views[4]!.body.used_this_period).toBe(0);
  });

  it('refuses account keys on admin routes and admin-only keys on nothing else', async () => {
    const account = await newAccount();
    const response = await api('POST', '/v1/admin/credits/deposit', { key: account.key, body: { account_id: account.id, amount: 1000 } });
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe('forbidden');
  });
});
