import crypto from 'node:crypto';
import { api, expectErrorBody } from '../helpers/api';
import { newAccount, newTool } from '../factories/accounts';

/**
 * Issue 15, margins (seed 003's margin control) against a fixture computed by hand. The usage is
 * recorded in a month of its own (an account migrated with a period far in the past), so the
 * report's month holds exactly this usage. Credit unit price: the default $0.01.
 */
const putModel = async (provider: string, body: Record<string, unknown>) => {
  const name = `margin-${crypto.randomUUID().slice(0, 8)}`;
  const response = await api('PUT', `/v1/admin/models/${name}`, { key: 'admin', body: { provider, ...body } });
  if (response.status !== 200) throw new Error(`model: ${response.status} ${response.text}`);
  return name;
};

describe('margin report (admin)', () => {
  it('revenue, provider cost, margin and margin % by model, provider and account equal the hand-computed fixture', async () => {
    const year = 1200 + crypto.randomInt(600);
    const period = `${year}-03`;
    const account = await newAccount('pro', { period_start: `${period}-01T00:00:00Z` });
    const at = `${period}-15T12:00:00Z`;
    const llmProvider = `llm-${crypto.randomUUID().slice(0, 6)}`;
    const mediaProvider = `media-${crypto.randomUUID().slice(0, 6)}`;
    // credits per 1M tokens; provider USD per 1M tokens, per minute, per image
    const llm = await putModel(llmProvider, {
      creditInputPer1M: 300, creditOutputPer1M: 1500, creditCacheWritePer1M: 375, creditCacheReadPer1M: 30,
      providerCost: { inputPer1M: 2, outputPer1M: 10, cacheWritePer1M: 2.5, cacheReadPer1M: 0.2 },
    });
    const speech = await putModel(mediaProvider, { creditInputPer1M: null, creditOutputPer1M: null, creditPerMinute: 1, providerCost: { inputPer1M: 0, outputPer1M: 0, perMinute: 0.006 } });
    const vision = await putModel(mediaProvider, { creditInputPer1M: null, creditOutputPer1M: null, creditPerImage: 2, providerCost: { inputPer1M: 0, outputPer1M: 0, perImage: 0.012 } });
    const tool = await newTool(5);
    const events = [
      // 30 + 30 + 3.75 + 6 = 69.75 credits; $0.2 + $0.2 + $0.025 + $0.04 = $0.465
      { items: [{ type: 'model', model: llm, input_tokens: 100_000, output_tokens: 20_000, cache_write_tokens: 10_000, cache_read_tokens: 200_000 }] },
      // 12.5 credits; $0.075
      { items: [{ type: 'model', model: speech, minutes: 12.5 }] },
      // 6 credits; $0.036
      { items: [{ type: 'model', model: vision, images: 3 }] },
      // agent run: tool 5 + llm 3 (cost $0.02) = 8, + 20% = 9.6 credits
      { markup: 'agent', items: [{ type: 'tool', tool }, { type: 'model', model: llm, input_tokens: 10_000 }] },
    ];
    for (const body of events) {
      const used = await api('POST', '/v1/usage', { key: account.key, body: { ...body, timestamp: at } });
      expect(used.status).toBe(201);
    }
    const report = (groupBy: string) => api('GET', `/v1/admin/reports/margin?period=${period}&group_by=${groupBy}`, { key: 'admin' });

    // totals: 69.75 + 12.5 + 6 + 9.6 = 97.85 credits = $0.9785; cost $0.596; margin $0.3825 = 39.09%
    const totals = { calls: 4, credits: 97.85, revenue: 0.9785, provider_cost: 0.596, margin: 0.3825, margin_percent: 39.09 };
    const byModel = await report('model');
    expect(byModel.status).toBe(200);
    expect(byModel.body).toEqual({
      period,
      group_by: 'model',
      currency: 'USD',
      data: [
        // 72.75 credits = $0.7275; $0.485; $0.2425 = 33.33%
        { model: llm, calls: 2, credits: 72.75, revenue: 0.7275, provider_cost: 0.485, margin: 0.2425, margin_percent: 33.33 },
        { model: speech, calls: 1, credits: 12.5, revenue: 0.125, provider_cost: 0.075, margin: 0.05, margin_percent: 40 },
        { model: vision, calls: 1, credits: 6, revenue: 0.06, provider_cost: 0.036, margin: 0.024, margin_percent: 40 },
      ].sort((a, b) => (a.model < b.model ? -1 : 1)), // ordered by name
      totals,
    });
    expect((await report('provider')).body.data).toEqual(
      [
        { provider: llmProvider, calls: 2, credits: 72.75, revenue: 0.7275, provider_cost: 0.485, margin: 0.2425, margin_percent: 33.33 },
        { provider: mediaProvider, calls: 2, credits: 18.5, revenue: 0.185, provider_cost: 0.111, margin: 0.074, margin_percent: 40 },
      ].sort((a, b) => (a.provider < b.provider ? -1 : 1)),
    );
    expect((await report('account')).body.data).toEqual([{ account: account.id, ...totals }]);

    const empty = await api('GET', `/v1/admin/reports/margin?period=${year}-04`, { key: 'admin' });
    expect(empty.body).toMatchObject({ group_by: 'model', data: [], totals: { calls: 0, credits: 0, revenue: 0, provider_cost: 0, margin: 0, margin_percent: null } });
  });

  it('is the operator’s only, and refuses a bad period or grouping', async () => {
    const account = await newAccount('pro');
    expect((await api('GET', '/v1/admin/reports/margin', { key: account.key })).status).toBe(403);
    for (const query of ['period=2026-13', 'period=26-01', 'group_by=tool', 'group_by=model,provider', 'extra=1']) {
      expectErrorBody(await api('GET', `/v1/admin/reports/margin?${query}`, { key: 'admin' }), 400, 'validation_failed');
    }
    expect((await api('GET', '/v1/admin/reports/margin', { key: 'admin' })).status).toBe(200);
  });
});

describe('billing profiles managed by the admin (seed 003)', () => {
  const profile = { legal_name: 'Acme GmbH', email: 'billing@acme.example', address: { line1: 'Hauptstr. 1', city: 'Berlin', postal_code: '10115', country: 'de' }, tax_id: 'DE 123 456 789' };

  it('the admin sets and reads any account’s profile with the account’s own rules; the account sees it', async () => {
    const account = await newAccount('pro');
    expectErrorBody(await api('GET', `/v1/admin/accounts/${account.id}/billing-profile`, { key: 'admin' }), 404, 'not_found');
    const put = await api('PUT', `/v1/admin/accounts/${account.id}/billing-profile`, { key: 'admin', body: profile });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ account_id: account.id, legal_name: 'Acme GmbH', tax_id: 'DE123456789', buyer_type: 'business', address: { country: 'DE', line2: null } });
    expect((await api('GET', `/v1/admin/accounts/${account.id}/billing-profile`, { key: 'admin' })).body).toEqual(put.body);
    expect((await api('GET', '/v1/billing/profile', { key: account.key })).body).toEqual(put.body);

    // the account changes it; the admin sees the change
    const own = await api('PUT', '/v1/billing/profile', { key: account.key, body: { ...profile, tax_id: null } });
    expect((await api('GET', `/v1/admin/accounts/${account.id}/billing-profile`, { key: 'admin' })).body).toEqual(own.body);
    expect(own.body.buyer_type).toBe('consumer');
  });

  it('refuses bad profiles, unknown accounts and account keys, and changes nothing', async () => {
    const account = await newAccount('pro');
    const path = `/v1/admin/accounts/${account.id}/billing-profile`;
    expectErrorBody(await api('PUT', path, { key: 'admin', body: { ...profile, tax_id: 'FR123456789' } }), 400, 'validation_failed');
    expectErrorBody(await api('PUT', path, { key: 'admin', body: { ...profile, address: { ...profile.address, country: 'XX' } } }), 400, 'validation_failed');
    expectErrorBody(await api('PUT', path, { key: 'admin', body: { ...profile, extra: true } }), 400, 'validation_failed');
    expectErrorBody(await api('GET', path, { key: 'admin' }), 404, 'not_found');
    expectErrorBody(await api('PUT', '/v1/admin/accounts/acct_nosuchaccount/billing-profile', { key: 'admin', body: profile }), 404, 'not_found');
    expectErrorBody(await api('GET', '/v1/admin/accounts/not-an-id/billing-profile', { key: 'admin' }), 400, 'validation_failed');
    expect((await api('PUT', path, { key: account.key, body: profile })).status).toBe(403);
    expect((await api('GET', path, { key: account.key })).status).toBe(403);
    expectErrorBody(await api('GET', path, { key: 'admin' }), 404, 'not_found');
  });
});
