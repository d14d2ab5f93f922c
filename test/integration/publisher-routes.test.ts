import { handleAccountUpdated } from '../../src/payouts/connect.service';
import { markPayoutFailed } from '../../src/payouts/send-transfer';
import { preparePayout } from '../../src/payouts/prepare-payout';
import { api, expectErrorBody } from '../helpers/api';
import { testDb } from '../helpers/db';
import { makeAccount, makePublisher, makeTool, monthStart, periodOf, planOne, testConfig, useTools, waitFor } from '../helpers/payout-harness';

/** The "Publishers and payouts" rows of API.md, through the stack's API (its worker pays via stripe-mock). */
const db = testDb();
afterAll(() => db.destroy());

async function waitForPayout(id: string, status: string) {
  return waitFor(`payout ${id} ${status}`, async () => {
    const response = await api('GET', `/v1/admin/payouts/${id}`, { key: 'admin' });
    return response.body.status === status ? response.body : null;
  });
}

/** A payout Stripe refused (what the workflow records), without going through Stripe. */
async function failedPayout(publisherId: string, period: string, asOf: Date) {
  const payoutId = await planOne(db, publisherId, period, asOf);
  await preparePayout(db, testConfig(), { payoutId, asOf });
  await markPayoutFailed(db, { payoutId, attempt: 1, code: 'balance_insufficient', reason: 'You have insufficient available funds in your Stripe account.' });
  return payoutId;
}

describe('GET /v1/publisher/earnings', () => {
  it('answers the seed-000 shape with exact amounts, per tool', async () => {
    const publisher = await makePublisher(db);
    const toolA = await makeTool(db, publisher.id, '2.5');
    const toolB = await makeTool(db, publisher.id, '0.01');
    const account = await makeAccount(db, monthStart(0));
    await useTools(db, account, [{ tool: toolA, quantity: 100 }, { tool: toolB, quantity: 3 }], new Date());
    const response = await api('GET', '/v1/publisher/earnings', { key: publisher.apiKey });
    expect(response.status).toBe(200);
    // 250 credits × $0.01 × 80% = $2.00; 0.03 credits → 0.024 credits earned = $0.00024 (shown floored to the cent)
    expect(response.body).toEqual({
      earnings: { total_earned: 2, pending_payout: 2, last_payout: 0, last_payout_date: null, currency: 'usd' },
      tools: expect.arrayContaining([
        { tool: toolA, executions: 100, credits_earned: 200, revenue: 2, credits_spent: 250 },
        { tool: toolB, executions: 3, credits_earned: 0.024, revenue: 0, credits_spent: 0.03 },
      ]),
    });
    expect(response.body.tools).toHaveLength(2);
  });

  it('shows the last payout once one is paid, and only to its own publisher', async () => {
    const M2 = monthStart(22);
    const publisher = await makePublisher(db);
    const other = await makePublisher(db);
    const tool = await makeTool(db, publisher.id, '100');
    await useTools(db, await makeAccount(db, M2), [{ tool, quantity: 40 }], new Date(M2.getTime() + 60_000)); // $32
    const run = await api('POST', '/v1/admin/payout-runs', { key: 'admin', body: { period: periodOf(M2) } });
    expect(run.status).toBe(202);
    expect(run.body).toMatchObject({ run_id: `payout-run:${periodOf(M2)}`, period: periodOf(M2), as_of: monthStart(21).toISOString(), status: 'RUNNING' });
    const payout = await db('payouts').where({ publisher_id: publisher.id, period: periodOf(M2) }).first();
    expect(run.body.payouts).toContain(payout.id); // (other tests' older unsettled earnings may join the run)
    const paid = await waitForPayout(payout.id, 'paid');
    expect(paid).toMatchObject({ publisher_id: publisher.id, period: periodOf(M2), amount: 32, currency: 'usd', attempts: 1, failure_reason: null });
    expect(paid.transfer_id).toMatch(/^tr_/);

    const earnings = await api('GET', '/v1/publisher/earnings', { key: publisher.apiKey });
    expect(earnings.body.earnings).toEqual({ total_earned: 32, pending_payout: 0, last_payout: 32, last_payout_date: paid.paid_at, currency: 'usd' });

    const mine = await api('GET', '/v1/publisher/payouts', { key: publisher.apiKey });
    expect(mine.body).toMatchObject({ data: [{ id: paid.id, status: 'paid', amount: 32 }], meta: { total: 1, limit: 20, offset: 0 } });
    expect((await api('GET', `/v1/publisher/payouts/${paid.id}`, { key: publisher.apiKey })).status).toBe(200);
    // Another publisher neither sees it in its list nor by id.
    expect((await api('GET', '/v1/publisher/payouts', { key: other.apiKey })).body.data).toEqual([]);
    expectErrorBody(await api('GET', `/v1/publisher/payouts/${paid.id}`, { key: other.apiKey }), 404, 'not_found');
    expect((await api('GET', '/v1/publisher/earnings', { key: other.apiKey })).body.earnings.total_earned).toBe(0);
  });

  it('is for publisher keys only', async () => {
    const created = await api('POST', '/v1/admin/accounts', { key: 'admin', body: { name: 'Not a publisher' } });
    expectErrorBody(await api('GET', '/v1/publisher/earnings', { key: created.body.api_key }), 403, 'forbidden');
    expectErrorBody(await api('GET', '/v1/publisher/earnings', { key: 'admin' }), 403, 'forbidden');
    expectErrorBody(await api('GET', '/v1/publisher/earnings'), 401, 'unauthorized');
    const publisher = await makePublisher(db);
    expectErrorBody(await api('GET', '/v1/admin/payouts', { key: publisher.apiKey }), 403, 'forbidden');
  });
});

describe('Stripe Connect onboarding', () => {
  it('POST /v1/publisher/connect creates the account once and returns an onboarding link each time', async () => {
    const publisher = await makePublisher(db, { account: null });
    const first = await api('POST', '/v1/publisher/connect', { key: publisher.apiKey, body: { return_url: 'https://publisher.example/done' } });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ account_id: expect.stringMatching(/^acct_/), onboarding_url: expect.stringMatching(/^https:\/\//), transfers_enabled: expect.any(Boolean) });
    const second = await api('POST', '/v1/publisher/connect', { key: publisher.apiKey });
    expect(second.body.account_id).toBe(first.body.account_id);
    const row = await db('publishers').where({ id: publisher.id }).first();
    expect(row.stripe_account_id).toBe(first.body.account_id);
  });

  it.each([
    [{ return_url: 'not a url' }, 'return_url'],
    [{ refresh_url: 42 }, 'refresh_url'],
    [{ surprise: true }, 'body'],
  ])('rejects %o naming %s', async (body, field) => {
    const publisher = await makePublisher(db, { account: null });
    const response = await api('POST', '/v1/publisher/connect', { key: publisher.apiKey, body });
    expectErrorBody(response, 400, 'validation_failed');
    expect(response.body.error.details.field).toBe(field);
    expect((await db('publishers').where({ id: publisher.id }).first()).stripe_account_id).toBeNull();
  });

  it('account.updated records whether transfers are enabled, ignoring older events', async () => {
    const publisher = await makePublisher(db, { account: 'acct_1WebhookTest01', transfersEnabled: false });
    const event = (created: number, transfers: 'active' | 'inactive' | 'pending') => ({
      id: `evt_${created}`,
      object: 'event',
      api_version: '2025-08-27.basil',
      created,
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type: 'account.updated' as const,
      data: {
        object: {
          id: 'acct_1WebhookTest01',
          object: 'account',
          type: 'express',
          capabilities: { transfers: transfers },
          charges_enabled: false,
          payouts_enabled: transfers === 'active',
          details_submitted: transfers === 'active',
          requirements: { currently_due: transfers === 'active' ? [] : ['external_account'], disabled_reason: null },
          metadata: { publisher_id: publisher.id },
        },
        previous_attributes: { capabilities: { transfers: 'inactive' } },
      },
    });
    expect(await handleAccountUpdated(db, event(1_800_000_100, 'active'))).toEqual({ publisherId: publisher.id, transfersEnabled: true, applied: true });
    expect(await handleAccountUpdated(db, event(1_800_000_050, 'inactive'))).toEqual({ publisherId: publisher.id, transfersEnabled: true, applied: false });
    expect((await db('publishers').where({ id: publisher.id }).first()).transfers_enabled).toBe(true);
    expect(await handleAccountUpdated(db, event(1_800_000_200, 'pending'))).toMatchObject({ transfersEnabled: false, applied: true });
    const unknown = event(1_800_000_300, 'active');
    unknown.data.object.id = 'acct_1NobodyOwnsThis';
    expect(await handleAccountUpdated(db, unknown)).toBeNull();
  });
});

describe('PUT /v1/admin/publishers/:id', () => {
  it('attaches a connected account and sets the revenue share used by later debits', async () => {
    const publisher = await makePublisher(db, { account: null });
    const response = await api('PUT', `/v1/admin/publishers/${publisher.id}`, {
      key: 'admin',
      body: { stripe_account_id: 'acct_1AttachedByAdmin', revenue_share: 0.7, transfers_enabled: true },
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ id: publisher.id, stripe_account_id: 'acct_1AttachedByAdmin', revenue_share: 0.7, transfers_enabled: true });
    const tool = await makeTool(db, publisher.id, '10');
    const usage = await useTools(db, await makeAccount(db, monthStart(0)), [{ tool, quantity: 1 }], new Date());
    expect(await db('publisher_accruals').where({ usage_event_id: usage.body.id }).first()).toMatchObject({ share: '0.70000', publisher_exact: String(10_000_000n * 1_000_000n * 70_000n) });
    const taken = await makePublisher(db, { account: null });
    expectErrorBody(await api('PUT', `/v1/admin/publishers/${taken.id}`, { key: 'admin', body: { stripe_account_id: 'acct_1AttachedByAdmin' } }), 409, 'conflict');
  });

  it.each([
    [{ revenue_share: 1.5 }, 'revenue_share'],
    [{ revenue_share: -0.1 }, 'revenue_share'],
    [{ revenue_share: 0.123456 }, 'revenue_share'],
    [{ revenue_share: '0.8' }, 'revenue_share'],
    [{ stripe_account_id: 'bogus' }, 'stripe_account_id'],
    [{ transfers_enabled: 'yes' }, 'transfers_enabled'],
    [{ name: 'x' }, 'body'],
  ])('rejects %o naming %s and writes nothing', async (body, field) => {
    const publisher = await makePublisher(db);
    const before = await db('publishers').where({ id: publisher.id }).first();
    const response = await api('PUT', `/v1/admin/publishers/${publisher.id}`, { key: 'admin', body });
    expectErrorBody(response, 400, 'validation_failed');
    expect(response.body.error.details.field).toBe(field);
    expect(await db('publishers').where({ id: publisher.id }).first()).toEqual(before);
  });

  it('answers an unknown publisher with 404', async () => {
    expectErrorBody(await api('PUT', '/v1/admin/publishers/pub_doesnotexist', { key: 'admin', body: { revenue_share: 0.5 } }), 404, 'not_found');
  });
});

describe('payout runs and failed payouts (finance ops)', () => {
  it.each([
    [{ period: '2026-13' }, 'period'],
    [{ period: 'last month' }, 'period'],
    [{ period: '2999-01' }, 'period'],
    [{ as_of: '2999-01-01T00:00:00Z' }, 'as_of'],
    [{ as_of: 'yesterday' }, 'as_of'],
    [{ period: '2025-03', as_of: '2025-05-01T00:00:00Z' }, 'as_of'],
    [{ extra: 1 }, 'body'],
  ])('POST /v1/admin/payout-runs rejects %o naming %s', async (body, field) => {
    const before = await db('payouts').count({ n: '*' }).first();
    const response = await api('POST', '/v1/admin/payout-runs', { key: 'admin', body });
    expectErrorBody(response, 400, 'validation_failed');
    expect(response.body.error.details.field).toBe(field);
    expect(await db('payouts').count({ n: '*' }).first()).toEqual(before);
  });

  it('lists failed payouts with the reason, retries one (202) and refuses what is not failed (409)', async () => {
    const M = monthStart(24);
    const publisher = await makePublisher(db);
    const tool = await makeTool(db, publisher.id, '100');
    await useTools(db, await makeAccount(db, M), [{ tool, quantity: 50 }], new Date(M.getTime() + 60_000));
    const payoutId = await failedPayout(publisher.id, periodOf(M), monthStart(23));

    const failed = await api('GET', `/v1/admin/payouts?status=failed&publisher_id=${publisher.id}`, { key: 'admin' });
    expect(failed.status).toBe(200);
    expect(failed.body).toEqual({
      data: [
        expect.objectContaining({
          id: payoutId,
          publisher_id: publisher.id,
          period: periodOf(M),
          amount: 40,
          currency: 'usd',
          status: 'failed',
          attempts: 1,
          transfer_id: null,
          failure_reason: 'You have insufficient available funds in your Stripe account.',
        }),
      ],
      meta: { total: 1, limit: 20, offset: 0 },
    });
    const all = await api('GET', '/v1/admin/payouts?status=failed&limit=100', { key: 'admin' });
    expect(all.body.data.every((p: { status: string }) => p.status === 'failed')).toBe(true);

    const retried = await api('POST', `/v1/admin/payouts/${payoutId}/retry`, { key: 'admin' });
    expect(retried.status).toBe(202);
    expect(retried.body).toMatchObject({ id: payoutId, status: 'pending', attempts: 2, workflow_id: `payout:${publisher.id}:${periodOf(M)}:retry-2` });
    const paid = await waitForPayout(payoutId, 'paid');
    expect(paid).toMatchObject({ attempts: 2, failure_reason: null });
    expectErrorBody(await api('POST', `/v1/admin/payouts/${payoutId}/retry`, { key: 'admin' }), 409, 'conflict');
  });

  it('answers 404 for an unknown payout, 400 for a malformed id or filter', async () => {
    expectErrorBody(await api('POST', '/v1/admin/payouts/po_doesnotexist/retry', { key: 'admin' }), 404, 'not_found');
    expectErrorBody(await api('GET', '/v1/admin/payouts/po_doesnotexist', { key: 'admin' }), 404, 'not_found');
    const malformed = await api('POST', '/v1/admin/payouts/123/retry', { key: 'admin' });
    expectErrorBody(malformed, 400, 'validation_failed');
    expect(malformed.body.error.details.field).toBe('id');
    const filter = await api('GET', '/v1/admin/payouts?status=lost', { key: 'admin' });
    expectErrorBody(filter, 400, 'validation_failed');
    expect(filter.body.error.details.field).toBe('status');
  });

  it('documents every payout route in the OpenAPI document', async () => {
    const { body } = await api('GET', '/openapi.json');
    expect(Object.keys(body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/publisher/earnings',
        '/v1/publisher/connect',
        '/v1/publisher/payouts',
        '/v1/admin/publishers/{id}',
        '/v1/admin/payout-runs',
        '/v1/admin/payouts',
        '/v1/admin/payouts/{id}/retry',
      ]),
    );
  });
});
