import { api, expectErrorBody } from '../helpers/api';
import { startApiInstance, type ApiInstance } from '../helpers/api-instance';
import { readStackInfo } from '../helpers/stack-info';
import { testDb } from '../helpers/db';
import { newAccount, newModel, newTool } from '../factories/accounts';

/** Per-key rate limits, the admin audit log, key revocation across processes, operator-only costs. */
const call = (base: string, method: string, path: string, key?: string, body?: unknown) =>
  fetch(`${base}${path}`, {
    method,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });

async function waitFor(condition: () => Promise<boolean>, withinMs: number): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > withinMs) throw new Error(`not within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('per-key rate limit', () => {
  let limited: ApiInstance;
  beforeAll(async () => {
    limited = await startApiInstance({ RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '10' });
  });
  afterAll(() => limited.stop());

  it('answers 429 rate_limited with Retry-After beyond the burst for one key; another key, health and webhooks are unaffected', async () => {
    const [busy, quiet] = await Promise.all([newAccount(), newAccount()]);
    const statuses = (await Promise.all(Array.from({ length: 14 }, () => call(limited.url, 'GET', '/v1/credits/balance', busy.key)))).map((r) => r.status);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(10);
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(11); // at most one token refilled meanwhile
    expect(statuses.filter((s) => s !== 200).every((s) => s === 429)).toBe(true);

    const refused = await call(limited.url, 'GET', '/v1/credits/balance', busy.key);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const body = (await refused.json()) as { error: { code: string; message: string; details: Record<string, unknown> } };
    expect(body.error).toEqual({ code: 'rate_limited', message: expect.any(String), details: { retry_after_seconds: Number(refused.headers.get('retry-after')) } });

    expect((await call(limited.url, 'GET', '/v1/credits/balance', quiet.key)).status).toBe(200);
    for (let i = 0; i < 15; i++) expect((await call(limited.url, 'GET', '/healthz')).status).toBe(200);
    // A webhook carries no API key: it is refused for its signature, never for a rate.
    const webhook = await call(limited.url, 'POST', '/v1/webhooks/stripe', undefined, { id: 'evt_x' });
    expect(webhook.status).not.toBe(429);

    await new Promise((resolve) => setTimeout(resolve, 1100)); // one token a second comes back
    expect((await call(limited.url, 'GET', '/v1/credits/balance', busy.key)).status).toBe(200);
  });
});

describe('admin audit log', () => {
  it('records every admin write with the acting key, the action, the target and the request id', async () => {
    const requestId = `audit-test-${Date.now()}`;
    const created = await api('POST', '/v1/admin/accounts', { key: 'admin', body: { name: 'Audited' }, headers: { 'x-request-id': requestId } });
    expect(created.status).toBe(201);
    expect(created.headers.get('x-request-id')).toBe(requestId);
    const issued = await api('POST', `/v1/admin/accounts/${created.body.id}/api-keys`, { key: 'admin' });
    const generatedId = issued.headers.get('x-request-id');
    expect(generatedId).toMatch(/^req_[0-9a-f]{32}$/);
    const revoked = await api('DELETE', `/v1/admin/api-keys/${issued.body.key_id}`, { key: 'admin' });
    expect(revoked.status).toBe(200);
    const missing = await api('DELETE', '/v1/admin/api-keys/key_doesnotexist', { key: 'admin' });
    expect(missing.status).toBe(404);

    const log = await api('GET', '/v1/admin/audit-log?actor=key_bootstrap&limit=100', { key: 'admin' });
    expect(log.status).toBe(200);
    const mine = log.body.data.filter((row: { request_id: string }) => [requestId, generatedId, revoked.headers.get('x-request-id'), missing.headers.get('x-request-id')].includes(row.request_id));
    expect(mine).toEqual([
      { at: expect.any(String), actor_key_id: 'key_bootstrap', action: 'DELETE /v1/admin/api-keys/:key_id', target: 'key_doesnotexist', request_id: missing.headers.get('x-request-id'), status: 404 },
      { at: expect.any(String), actor_key_id: 'key_bootstrap', action: 'DELETE /v1/admin/api-keys/:key_id', target: issued.body.key_id, request_id: revoked.headers.get('x-request-id'), status: 200 },
      { at: expect.any(String), actor_key_id: 'key_bootstrap', action: 'POST /v1/admin/accounts/:id/api-keys', target: created.body.id, request_id: generatedId, status: 201 },
      { at: expect.any(String), actor_key_id: 'key_bootstrap', action: 'POST /v1/admin/accounts', target: created.body.id, request_id: requestId, status: 201 },
    ]);
    expect(log.body.meta).toEqual({ total: expect.any(Number), limit: 100, offset: 0 });

    const byAction = await api('GET', `/v1/admin/audit-log?action=${encodeURIComponent('POST /v1/admin/accounts')}&limit=100`, { key: 'admin' });
    expect(byAction.body.data.length).toBeGreaterThan(0);
    expect(byAction.body.data.every((row: { action: string }) => row.action === 'POST /v1/admin/accounts')).toBe(true);
    expect(byAction.body.data.some((row: { request_id: string }) => row.request_id === requestId)).toBe(true);

    const since = new Date(Date.now() + 60_000).toISOString();
    const future = await api('GET', `/v1/admin/audit-log?since=${encodeURIComponent(since)}`, { key: 'admin' });
    expect(future.body).toEqual({ data: [], meta: { total: 0, limit: 20, offset: 0 } });
    const otherActor = await api('GET', '/v1/admin/audit-log?actor=key_someoneelse', { key: 'admin' });
    expect(otherActor.body.meta.total).toBe(0);
  });

  it('does not record reads, and is closed to account keys and to callers without a key', async () => {
    const account = await newAccount();
    const before = (await api('GET', '/v1/admin/audit-log', { key: 'admin' })).body.meta.total;
    await api('GET', '/v1/admin/audit-log', { key: 'admin' });
    await api('GET', '/v1/models', { key: 'admin' });
    expect((await api('GET', '/v1/admin/audit-log', { key: 'admin' })).body.meta.total).toBe(before);

    expectErrorBody(await api('GET', '/v1/admin/audit-log', { key: account.key }), 403, 'forbidden');
    expectErrorBody(await api('GET', '/v1/admin/audit-log'), 401, 'unauthorized');
  });
});

describe('key revocation', () => {
  let first: ApiInstance;
  let second: ApiInstance;
  beforeAll(async () => {
    [first, second] = await Promise.all([startApiInstance(), startApiInstance()]);
  });
  afterAll(() => Promise.all([first.stop(), second.stop()]));

  it('is refused by every other API process within 1 s of the revoke', async () => {
    const { adminApiKey } = readStackInfo();
    const account = await newAccount();
    const issued = await call(first.url, 'POST', `/v1/admin/accounts/${account.id}/api-keys`, adminApiKey);
    const { key_id: keyId, api_key: key } = (await issued.json()) as { key_id: string; api_key: string };
    // Both processes have the key cached as valid (for up to 5 s without an announcement).
    expect((await call(second.url, 'GET', '/v1/credits/balance', key)).status).toBe(200);
    expect((await call(first.url, 'GET', '/v1/credits/balance', key)).status).toBe(200);

    expect((await call(first.url, 'DELETE', `/v1/admin/api-keys/${keyId}`, adminApiKey)).status).toBe(200);
    const revokedAt = Date.now();
    let status = 200;
    while (Date.now() - revokedAt < 1000) {
      status = (await call(second.url, 'GET', '/v1/credits/balance', key)).status;
      if (status === 401) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(status).toBe(401);
    expect(Date.now() - revokedAt).toBeLessThan(1000);
    expect((await api('GET', '/v1/credits/balance', { key })).status).toBe(401); // the suite's own API too
    expect((await call(second.url, 'GET', '/v1/credits/balance', account.key)).status).toBe(200); // the account's other key still works
  });

  it('still reaches every process after the listening connections were cut', async () => {
    const { adminApiKey } = readStackInfo();
    const account = await newAccount();
    const issued = await call(first.url, 'POST', `/v1/admin/accounts/${account.id}/api-keys`, adminApiKey);
    const { key_id: keyId, api_key: key } = (await issued.json()) as { key_id: string; api_key: string };
    expect((await call(second.url, 'GET', '/v1/credits/balance', key)).status).toBe(200);

    const db = testDb();
    try {
      const cut = await db.raw("select pg_terminate_backend(pid) from pg_stat_activity where query = 'LISTEN settle_api_key_revoked'");
      expect(cut.rows.length).toBeGreaterThanOrEqual(3); // the suite's API and both instances
      await waitFor(async () => (await db.raw("select count(*)::int as n from pg_stat_activity where query = 'LISTEN settle_api_key_revoked'")).rows[0].n >= 3, 5000);
    } finally {
      await db.destroy();
    }
    expect((await call(second.url, 'GET', '/v1/credits/balance', key)).status).toBe(200); // re-cached after the reconnect
    expect((await call(first.url, 'DELETE', `/v1/admin/api-keys/${keyId}`, adminApiKey)).status).toBe(200);
    const revokedAt = Date.now();
    await waitFor(async () => (await call(second.url, 'GET', '/v1/credits/balance', key)).status === 401, 1000);
    expect(Date.now() - revokedAt).toBeLessThan(1000);
  });
});

describe('provider costs', () => {
  it('are shown to the admin key and never to account keys', async () => {
    const account = await newAccount();
    await api('POST', '/v1/admin/grants', { key: 'admin', body: { account_id: account.id, amount: 1000, kind: 'purchased' } });
    // the call below is 1.1M tokens, beyond the Free plan's monthly allowance
    await api('POST', '/v1/admin/tokens/grant', { key: 'admin', body: { account_id: account.id, amount: 1_100_000 } });
    const model = await newModel({ creditInputPer1M: 300, creditOutputPer1M: 1500, providerCost: { inputPer1M: 3, outputPer1M: 15 } });

    const asAccount = await api('GET', '/v1/models', { key: account.key });
    const asPublic = await api('GET', '/v1/models');
    const asAdmin = await api('GET', '/v1/models', { key: 'admin' });
    for (const response of [asAccount, asPublic]) {
      expect(response.status).toBe(200);
      expect(response.body.availableBaseModels.some((m: { name: string }) => m.name === model)).toBe(true);
      expect(response.text).not.toContain('providerCost');
    }
    expect(asAdmin.body.availableBaseModels.find((m: { name: string }) => m.name === model).providerCost).toEqual({ inputPer1M: 3, outputPer1M: 15 });

    const body = { items: [{ type: 'model', model, input_tokens: 1_000_000, output_tokens: 100_000 }, { type: 'tool', tool: await newTool(1) }] };
    const used = await api('POST', '/v1/usage', { key: account.key, body, headers: { 'idempotency-key': `cost-${model}` } });
    expect(used.status).toBe(201);
    expect(used.body.breakdown[0]).toMatchObject({ type: 'model', model, credits: 450 });
    expect(used.text).not.toContain('provider_cost');
    const replayed = await api('POST', '/v1/usage', { key: account.key, body, headers: { 'idempotency-key': `cost-${model}` } });
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect(replayed.text).not.toContain('provider_cost');

    const detail = await api('GET', `/v1/usage/${used.body.id}`, { key: account.key });
    expect(detail.status).toBe(200);
    expect(detail.text).not.toContain('provider_cost');
    const operator = await api('GET', `/v1/usage/${used.body.id}`, { key: 'admin' });
    expect(operator.status).toBe(200);
    expect(operator.body).toMatchObject({ id: used.body.id, account_id: account.id, provider_cost_usd: 4.5 });
    expect(operator.body.breakdown[0]).toMatchObject({ type: 'model', provider_cost_usd: 4.5 });
    // Another account still cannot see the event at all.
    expectErrorBody(await api('GET', `/v1/usage/${used.body.id}`, { key: (await newAccount()).key }), 404, 'not_found');
  });
});
