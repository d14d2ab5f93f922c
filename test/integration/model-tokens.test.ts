import crypto from 'node:crypto';
import { api, expectErrorBody } from '../helpers/api';
import { testDb } from '../helpers/db';
import { expectLedgerInvariants } from '../helpers/ledger-invariants';
import { newAccount, newModel, type TestAccount } from '../factories/accounts';

/**
 * Issue 15: a model line of POST /v1/usage spends the plan's monthly token allowance in the same
 * debit as its credits. Free allows 10,000 tokens a month (hard limit), Pro 2,000,000 (overage).
 */
const db = testDb();
afterAll(() => db.destroy());

const usage = (key: string, body: Record<string, unknown>, idempotencyKey?: string) =>
  api('POST', '/v1/usage', { key, body, headers: idempotencyKey ? { 'idempotency-key': idempotencyKey } : {} });
const modelCall = (model: string, tokens: { input: number; output?: number; cacheRead?: number }) => ({
  items: [{ type: 'model', model, input_tokens: tokens.input, output_tokens: tokens.output ?? 0, cache_read_tokens: tokens.cacheRead ?? 0 }],
});
const tokenBalance = async (account: TestAccount) => (await api('GET', '/v1/tokens/balance', { key: account.key })).body.data.balance as number;
const creditBalance = async (account: TestAccount) => (await api('GET', '/v1/credits/balance', { key: account.key })).body.data.balance as number;
const tokenEntries = (account: TestAccount) => db('ledger_entries').where({ account_id: account.id, unit: 'tokens', type: 'usage' }).orderBy('seq');

async function grantCredits(account: TestAccount, credits: number): Promise<void> {
  const granted = await api('POST', '/v1/admin/grants', {
    key: 'admin',
    body: { account_id: account.id, amount: credits, kind: 'admin' },
    headers: { 'idempotency-key': crypto.randomUUID() },
  });
  expect(granted.status).toBe(201);
}

describe('model tokens spend the plan’s monthly token allowance', () => {
  let model: string;
  beforeAll(async () => {
    model = await newModel({ creditInputPer1M: 10_000, creditOutputPer1M: 10_000 }); // 0.01 credit per token
  });

  it('on a hard-limit plan, N concurrent calls of t tokens against T: exactly ⌊T/t⌋ succeed, credits and tokens together', async () => {
    const account = await newAccount('free');
    await grantCredits(account, 1_000);
    expect(await tokenBalance(account)).toBe(10_000);
    const creditsBefore = await creditBalance(account);

    const answers = await Promise.all(Array.from({ length: 20 }, () => usage(account.key, modelCall(model, { input: 500, output: 200 }))));
    const ok = answers.filter((answer) => answer.status === 201);
    const refused = answers.filter((answer) => answer.status === 402);
    expect(ok).toHaveLength(Math.floor(10_000 / 700));
    expect(refused).toHaveLength(20 - ok.length);
    for (const answer of refused) {
      expectErrorBody(answer, 402, 'insufficient_tokens');
      expect(answer.body.error.details.tokens_required).toBe(700);
      expect(answer.body.error.details.tokens_available).toBe(10_000 - ok.length * 700);
    }
    for (const answer of ok) expect(answer.body.credits_used).toBe(7);

    expect(await tokenBalance(account)).toBe(10_000 - ok.length * 700);
    expect(await creditBalance(account)).toBe(creditsBefore - ok.length * 7);
    const entries = await tokenEntries(account);
    expect(entries).toHaveLength(ok.length);
    expect(entries.map((entry: any) => entry.reference).sort()).toEqual(ok.map((answer) => answer.body.id).sort());
    for (const entry of entries) expect([entry.amount, entry.overage, entry.description]).toEqual(['-700', '0', 'Model tokens']);
    // a refusal wrote nothing: neither the usage event nor a credits entry
    expect(await db('usage_events').where({ account_id: account.id }).count()).toEqual([{ count: String(ok.length) }]);
    await expectLedgerInvariants(db, account.id);
  });

  it('counts every token kind; a call the credits cannot pay takes no tokens, and one the tokens cannot pay takes no credits', async () => {
    const account = await newAccount('free');
    await grantCredits(account, 100);
    const credits = await creditBalance(account);
    // the credits pay for this one; its 9,000 tokens (input, output and cache reads) leave 1,000
    expect((await usage(account.key, modelCall(model, { input: 6_000, output: 1_000, cacheRead: 2_000 }))).status).toBe(201);
    expect(await tokenBalance(account)).toBe(1_000);
    const tooManyTokens = await usage(account.key, modelCall(model, { input: 1_001 }));
    expectErrorBody(tooManyTokens, 402, 'insufficient_tokens');
    expect((await usage(account.key, modelCall(model, { input: 10 }))).status).toBe(201);
    const left = await creditBalance(account);
    expect(left).toBeCloseTo(credits - 90.1, 6);
    const pricey = await newModel({ creditInputPer1M: 1_000_000, creditOutputPer1M: 0 }); // 1 credit per token
    expectErrorBody(await usage(account.key, modelCall(pricey, { input: 200 })), 402, 'insufficient_credits');
    expect(await tokenBalance(account)).toBe(990);
    expect(await creditBalance(account)).toBe(left);
    await expectLedgerInvariants(db, account.id);
  });

  it('the quote says when the tokens would be exceeded, as the debit then refuses', async () => {
    const account = await newAccount('free');
    await grantCredits(account, 1_000);
    const quote = (tokens: number) => api('POST', '/v1/usage/quote', { key: account.key, body: modelCall(model, { input: tokens }) });
    expect((await quote(10_000)).body).toMatchObject({ tokens: 10_000, tokens_available: 10_000, would_exceed_tokens: false, would_exceed: false });
    const beyond = await quote(10_001);
    expect(beyond.body).toMatchObject({ tokens: 10_001, tokens_available: 10_000, would_exceed_tokens: true, would_exceed: false });
    expectErrorBody(await usage(account.key, modelCall(model, { input: 10_001 })), 402, 'insufficient_tokens');
    const enterprise = await newAccount('enterprise');
    const unmetered = await api('POST', '/v1/usage/quote', { key: enterprise.key, body: modelCall(model, { input: 10_001 }) });
    expect(unmetered.body).toMatchObject({ tokens: 0, would_exceed_tokens: false });
  });

  it('a replayed call takes its tokens once', async () => {
    const account = await newAccount('free');
    const key = crypto.randomUUID();
    const first = await usage(account.key, modelCall(model, { input: 300 }), key);
    const again = await usage(account.key, modelCall(model, { input: 300 }), key);
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(again.body).toEqual(first.body);
    expect(await tokenEntries(account)).toHaveLength(1);
    expect(await tokenBalance(account)).toBe(9_700);
  });

  it('on an overage plan, tokens beyond the allowance are the token entry’s overage and nothing is refused', async () => {
    const account = await newAccount('pro');
    const calls = await Promise.all([1_500_000, 400_000, 300_000].map((input) => usage(account.key, modelCall(model, { input }))));
    expect(calls.map((call) => call.status)).toEqual([201, 201, 201]);
    const entries = await tokenEntries(account);
    const spent = entries.reduce((sum: bigint, entry: any) => sum - BigInt(entry.amount), 0n);
    const overage = entries.reduce((sum: bigint, entry: any) => sum + BigInt(entry.overage), 0n);
    expect([spent, overage]).toEqual([2_000_000n, 200_000n]);
    expect(await tokenBalance(account)).toBe(0);
    await expectLedgerInvariants(db, account.id);
  });

  it('a plan without a token allowance does not meter tokens; tool calls never do', async () => {
    const enterprise = await newAccount('enterprise');
    await grantCredits(enterprise, 100);
    expect((await usage(enterprise.key, modelCall(model, { input: 5_000 }))).status).toBe(201);
    expect(await tokenEntries(enterprise)).toHaveLength(0);
    const free = await newAccount('free');
    const priced = await newModel({ creditInputPer1M: 0, creditOutputPer1M: 0 });
    expect((await usage(free.key, modelCall(priced, { input: 0 }))).status).toBe(201);
    expect(await tokenEntries(free)).toHaveLength(0);
  });

  it('a hold captured for model usage takes the tokens with the credits', async () => {
    const account = await newAccount('free');
    const hold = await api('POST', '/v1/holds', { key: account.key, body: { credits: 10 } });
    expect(hold.status).toBe(201);
    const captured = await api('POST', `/v1/holds/${hold.body.id}/capture`, { key: account.key, body: modelCall(model, { input: 400 }) });
    expect(captured.status).toBe(201);
    expect(await tokenBalance(account)).toBe(9_600);
    const entries = await tokenEntries(account);
    expect(entries.map((entry: any) => entry.reference)).toEqual([captured.body.id]);

    const second = await api('POST', '/v1/holds', { key: account.key, body: { credits: 10 } });
    const refused = await api('POST', `/v1/holds/${second.body.id}/capture`, { key: account.key, body: modelCall(model, { input: 9_601 }) });
    expectErrorBody(refused, 402, 'insufficient_tokens');
    const still = await api('GET', `/v1/holds/${second.body.id}`, { key: account.key });
    expect(still.body.status).toBe('active');
    await expectLedgerInvariants(db, account.id);
  });
});
