import fc from 'fast-check';
import { z } from 'zod';
import { allRoutes } from '../../src/http/routes';
import { accessOf } from '../../src/http/route';
import { replaceUnstorableText } from '../../src/http/schemas/storable-text';
import { api } from '../helpers/api';
import { testDb } from '../helpers/db';
import { newAccount, newModel, newTool, type TestAccount } from '../factories/accounts';
import { newEventId, postWebhook } from '../helpers/stripe-events';
import { readStackInfo } from '../helpers/stack-info';

const db = testDb();
afterAll(() => db.destroy());

const WRITE_TABLES = ['accounts', 'api_keys', 'grants', 'ledger_entries', 'usage_events', 'tools', 'models', 'plans', 'packages', 'vouchers', 'publishers'];

async function rowCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of WRITE_TABLES) counts[table] = Number((await db(table).count({ n: '*' }))[0]!.n);
  return counts;
}

let account: TestAccount;
let publisherKey: string;
let tool: string;
beforeAll(async () => {
  account = await newAccount('free');
  tool = await newTool(1);
  publisherKey = (await api('POST', '/v1/admin/publishers', { key: 'admin', body: { name: 'bad input publisher' } })).body.api_key;
});

const keyFor = (route: (typeof allRoutes)[number]) => {
  const access = accessOf(route);
  if (access.includes('admin')) return 'admin';
  if (access.includes('account')) return account.key;
  return access.includes('publisher') ? publisherKey : undefined;
};
const urlFor = (path: string) =>
  path.replace(/:([a-z_]+)/g, (_m, name: string) => ({ id: account.id, key_id: 'key_nothing', tool_id: 'some.tool', name: 'some-model' })[name] ?? 'x');

const bodyRoutes = allRoutes.filter((route) => route.body && route.method !== 'get' && !route.path.startsWith('/v1/webhooks'));

/** Amount fields: zero, negative, too precise, NaN-ish, huge and non-numeric values. */
const BAD_AMOUNTS: unknown[] = [0, -1, -0.5, 0.0000001, 1e300, 1e13, 'NaN', 'abc', '10', null, true, [], {}];

const FREE_IS_FINE = BAD_AMOUNTS.filter((value) => value !== 0); // a tool may cost nothing
const amountCases: Array<[string, string, string, () => Record<string, unknown>, unknown[]]> = [
  ['POST', '/v1/credits/debit', 'amount', () => ({ description: 'x' }), BAD_AMOUNTS],
  ['POST', '/v1/admin/credits/deposit', 'amount', () => ({ account_id: account.id }), BAD_AMOUNTS],
  ['POST', '/v1/admin/grants', 'amount', () => ({ account_id: account.id, kind: 'admin' }), BAD_AMOUNTS],
  ['POST', '/v1/admin/vouchers', 'credits', () => ({ max_redemptions: 1 }), BAD_AMOUNTS],
  ['POST', '/v1/tokens/consume', 'amount', () => ({}), [...BAD_AMOUNTS, 1.5]],
  ['POST', '/v1/admin/tokens/grant', 'amount', () => ({ account_id: account.id }), [...BAD_AMOUNTS, 1.5]],
  ['PUT', '/v1/admin/tools/bad.input.tool', 'credits_per_execution', () => ({}), FREE_IS_FINE],
  ['PUT', '/v1/admin/packages/badpkg', 'amount', () => ({ price: 1 }), BAD_AMOUNTS],
];

describe('bad input', () => {
  it.each(amountCases)('%s %s rejects every bad %s with 400 naming it, writing nothing', async (method, path, field, base, badValues) => {
    const key = path.startsWith('/v1/admin') ? 'admin' : account.key;
    const before = await rowCounts();
    for (const value of badValues) {
      const response = await api(method, path, { key, body: { ...base(), [field]: value } });
      expect({ value, status: response.status, code: response.body?.error?.code, field: response.body?.error?.details?.field }).toEqual({
        value,
        status: 400,
        code: 'validation_failed',
        field,
      });
    }
    expect(await rowCounts()).toEqual(before);
  });

  it.each([
    ['unknown tool', { items: [{ type: 'tool', tool: 'no.such.tool' }] }, 'items.0.tool'],
    ['unknown model', { items: [{ type: 'model', model: 'no-such-model', input_tokens: 1 }] }, 'items.0.model'],
    ['no items', { items: [] }, 'items'],
    ['quantity 0', { items: [{ type: 'tool', tool: 'x', quantity: 0 }] }, 'items.0.quantity'],
    ['fractional quantity', { items: [{ type: 'tool', tool: 'x', quantity: 1.5 }] }, 'items.0.quantity'],
    ['negative tokens', { items: [{ type: 'model', model: 'x', input_tokens: -1 }] }, 'items.0.input_tokens'],
    ['tokens as a string', { items: [{ type: 'model', model: 'x', input_tokens: '100' }] }, 'items.0.input_tokens'],
    ['unknown item type', { items: [{ type: 'magic' }] }, 'items.0.type'],
    ['over-long agent', { agent: 'a'.repeat(201), items: [{ type: 'tool', tool: 'x' }] }, 'agent'],
    ['bad timestamp', { timestamp: 'yesterday', items: [{ type: 'tool', tool: 'x' }] }, 'timestamp'],
    ['unknown field', { items: [{ type: 'tool', tool: 'x' }], surprise: 1 }, 'body'],
    ['bad markup', { items: [{ type: 'tool', tool: 'x' }], markup: 'huge' }, 'markup'],
  ])('POST /v1/usage: %s → 400 naming %s, nothing written', async (_name, body, field) => {
    const before = await rowCounts();
    const response = await api('POST', '/v1/usage', { key: account.key, body: JSON.parse(JSON.stringify(body).replace(/"x"/g, JSON.stringify(tool))) });
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ code: 'validation_failed', details: { field } });
    expect(await rowCounts()).toEqual(before);
  });

  it.each(bodyRoutes.map((route) => [route.method.toUpperCase(), route.path, route] as const))(
    '%s %s rejects non-object bodies and malformed JSON with 400',
    async (method, path, route) => {
      const before = await rowCounts();
      // `null` is "no body": fine where the body is optional (its fields all have defaults)
      const bodyOptional = route.body!.safeParse(undefined).success;
      for (const rawBody of ['{"a":', '[]', '"text"', '42', ...(bodyOptional ? [] : ['null']), '{"amount": NaN}']) {
        const response = await api(method, urlFor(path), { key: keyFor(route), rawBody });
        expect({ rawBody, status: response.status, code: response.body?.error?.code }).toEqual({ rawBody, status: 400, code: 'validation_failed' });
      }
      expect(await rowCounts()).toEqual(before);
    },
  );

  it.each(bodyRoutes.map((route) => [route.method.toUpperCase(), route.path, route] as const))(
    '%s %s never answers 500 to random JSON',
    async (method, path, route) => {
      await fc.assert(
        fc.asyncProperty(fc.oneof(fc.json(), fc.dictionary(fc.constantFrom('amount', 'account_id', 'items', 'name', 'code', 'credits', 'kind', 'plan'), fc.jsonValue()).map((v) => JSON.stringify(v))), async (rawBody) => {
          const response = await api(method, urlFor(path), { key: keyFor(route), rawBody });
          expect(response.status).toBeLessThan(500);
          if (response.status >= 400) expect(response.body.error.code).toEqual(expect.any(String));
        }),
        { numRuns: 25 },
      );
    },
  );

  it.each(allRoutes.filter((route) => route.method === 'get' && route.query).map((route) => [route.path, route] as const))(
    'GET %s rejects bad query values with 400 and never 500s',
    async (path, route) => {
      for (const query of ['limit=0', 'limit=101', 'offset=-1', 'limit=abc', 'group_by=week', 'start_date=notadate', 'end_date=2026-13-45', 'unknown=1']) {
        const response = await api('GET', `${urlFor(path)}?${query}`, { key: keyFor(route) });
        expect(response.status).toBeLessThan(500);
      }
    },
  );
});

/** Text PostgreSQL refuses: a NUL, and unpaired UTF-16 surrogates (as JSON escapes, which JSON.parse accepts). */
const UNSTORABLE: Array<[string, string]> = [
  ['a NUL', 'ab\u0000c'],
  ['a lone high surrogate', 'ab\ud800c'],
  ['a lone low surrogate', '\udc00'],
];

describe('text PostgreSQL refuses', () => {
  const cases: Array<[string, string, string, (text: string) => Record<string, unknown>, string]> = [
    ['usage agent', 'POST', '/v1/usage', (text) => ({ agent: text, items: [{ type: 'tool', tool }] }), 'agent'],
    ['usage idempotency_key', 'POST', '/v1/usage', (text) => ({ idempotency_key: text, items: [{ type: 'tool', tool }] }), 'idempotency_key'],
    ['usage tool name', 'POST', '/v1/usage', (text) => ({ items: [{ type: 'tool', tool: text }] }), 'items.0.tool'],
    ['debit description', 'POST', '/v1/credits/debit', (text) => ({ amount: 1, description: text }), 'description'],
    ['voucher code', 'POST', '/v1/credits/vouchers/redeem', (text) => ({ code: `CODE-${text}` }), 'code'],
    ['billing profile', 'PUT', '/v1/billing/profile', (text) => ({ legal_name: text, email: 'a@example.com', address: { line1: 'x', city: 'y', postal_code: '1', country: 'DE' } }), 'legal_name'],
    ['billing profile address', 'PUT', '/v1/billing/profile', (text) => ({ legal_name: 'L', email: 'a@example.com', address: { line1: text, city: 'y', postal_code: '1', country: 'DE' } }), 'address.line1'],
    ['admin account name', 'POST', '/v1/admin/accounts', (text) => ({ name: text }), 'name'],
    ['admin publisher name', 'POST', '/v1/admin/publishers', (text) => ({ name: text }), 'name'],
    ['a key of the body', 'POST', '/v1/usage', (text) => ({ items: [{ type: 'tool', tool }], [text]: 1 }), 'body'],
  ];
  it.each(cases.flatMap(([name, method, path, body, field]) => UNSTORABLE.map(([kind, text]) => [name, kind, method, path, body, field, text] as const)))(
    '%s with %s → 400 naming the field, nothing written',
    async (_name, _kind, method, path, body, field, text) => {
      const before = await rowCounts();
      const key = path.startsWith('/v1/admin') ? 'admin' : account.key;
      const response = await api(method, path, { key, body: body(text) });
      expect({ status: response.status, code: response.body?.error?.code }).toEqual({ status: 400, code: 'validation_failed' });
      if (field === 'body') expect(response.body.error.details.field).toBe(replaceUnstorableText(text));
      else expect(response.body.error.details.field).toBe(field);
      expect(await rowCounts()).toEqual(before);
    },
  );

  const queryRoutes = allRoutes.filter((route) => route.method === 'get' && route.query);
  it.each(queryRoutes.map((route) => [route.path, route] as const))('GET %s: a NUL in any query parameter → 400 naming it', async (path, route) => {
    const names = Object.keys((z.toJSONSchema(route.query!, { io: 'input', unrepresentable: 'any' }) as { properties?: object }).properties ?? {});
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) {
      const response = await api('GET', `${urlFor(path)}?${name}=a%00b`, { key: keyFor(route) });
      expect({ name, status: response.status, field: response.body?.error?.details?.field }).toEqual({ name, status: 400, field: name });
    }
  });

  it('?source=%00 on the invoice list → 400 naming source', async () => {
    const response = await api('GET', '/v1/invoices?source=%00', { key: account.key });
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ code: 'validation_failed', details: { field: 'source', in: 'query' } });
  });

  const paramRoutes = allRoutes.filter((route) => route.params);
  it.each(paramRoutes.map((route) => [route.method.toUpperCase(), route.path, route] as const))('%s %s: a NUL in a path parameter → 400, nothing written', async (method, path, route) => {
    const before = await rowCounts();
    const url = path.replace(/:([a-z_]+)/g, (_m, name: string) => `${encodeURIComponent(urlFor(`:${name}`))}%00`);
    const response = await api(method, url, { key: keyFor(route), body: method === 'GET' ? undefined : {} });
    expect({ status: response.status, code: response.body?.error?.code, in: response.body?.error?.details?.in }).toEqual({ status: 400, code: 'validation_failed', in: 'path' });
    expect(await rowCounts()).toEqual(before);
  });
});

describe('signed Stripe webhooks with bad text', () => {
  const stored = async (id: string) => db('stripe_events').where({ id }).first('payload');

  it.each(UNSTORABLE)('a signed event whose metadata holds %s is stored and answered 200, with U+FFFD in its place', async (_kind, text) => {
    const id = newEventId();
    const event = { id, object: 'event', api_version: '2025-08-27.basil', created: Math.floor(Date.now() / 1000), livemode: false, type: 'customer.updated', data: { object: { id: 'cus_x', object: 'customer', metadata: { note: text } } } };
    const response = await postWebhook(JSON.stringify(event));
    expect(response.status).toBe(200);
    const row = await stored(id);
    expect(row.payload.data.object.metadata.note).toBe(replaceUnstorableText(text));
  });

  it('a valid signature over malformed JSON is reported as malformed JSON, not as a bad signature', async () => {
    const response = await postWebhook('{"id": "evt_broken", "type":');
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ code: 'validation_failed', message: 'The signed body is not valid JSON', details: { field: 'body' } });
  });

  it('a bad signature is still a bad signature', async () => {
    const response = await postWebhook('{"id": "evt_broken"}', { signature: 't=1,v1=00' });
    expect(response.status).toBe(400);
    expect(response.body.error.details.field).toBe('Stripe-Signature');
  });
});

describe('bounds: documented maxima, 400 naming the field beyond them', () => {
  let priceyTool: string;
  let priceyModel: string;
  beforeAll(async () => {
    priceyTool = await newTool(100_000);
    priceyModel = await newModel({ creditInputPer1M: 1_000_000, creditOutputPer1M: 1_000_000 });
  });

  it.each([
    ['a payment order of 1e17', 'POST', '/v1/admin/payment-orders', () => ({ account_id: account.id, credits: 100, amount: 1e17 }), 'amount'],
    ['a payment order of 1e300 credits', 'POST', '/v1/admin/payment-orders', () => ({ account_id: account.id, credits: 1e300 }), 'credits'],
    ['a tool priced past 10^6 credits', 'PUT', '/v1/admin/tools/bounds.tool', () => ({ credits_per_execution: 1_000_001 }), 'credits_per_execution'],
    ['a model rate past 10^6 credits per 1M', 'PUT', '/v1/admin/models/bounds-model', () => ({ provider: 'p', creditInputPer1M: 2e6, creditOutputPer1M: 1 }), 'creditInputPer1M'],
    ['a debit past 10^6 credits', 'POST', '/v1/credits/debit', () => ({ amount: 1_000_001 }), 'amount'],
    ['a deposit past 10^9 credits', 'POST', '/v1/admin/credits/deposit', () => ({ account_id: account.id, amount: 1e9 + 1 }), 'amount'],
    ['an overage price past 1,000 per credit', 'PUT', '/v1/admin/plans/bounds-plan', () => ({ name: 'B', monthly_price: 0, included_credits: 0, overage_allowed: true, overage_price_per_credit: 1001 }), 'overage_price_per_credit'],
    ['a refund of 1e17', 'POST', '/v1/admin/purchases/pur_nothing/refund', () => ({ amount: 1e17 }), 'amount'],
    ['100 model items of 1e13 tokens', 'POST', '/v1/usage', () => ({ items: Array.from({ length: 100 }, () => ({ type: 'model', model: priceyModel, input_tokens: 1e13 })) }), 'items.0.input_tokens'],
    ['a tool priced 1e5 credits × quantity 1e6 × 100 items', 'POST', '/v1/usage', () => ({ items: Array.from({ length: 100 }, () => ({ type: 'tool', tool: priceyTool, quantity: 1e6 })) }), 'items.0'],
    ['items that each fit but together pass 10^6 credits', 'POST', '/v1/usage', () => ({ items: Array.from({ length: 11 }, () => ({ type: 'tool', tool: priceyTool, quantity: 1 })) }), 'items'],
    ['10^12 tokens of a costly model', 'POST', '/v1/usage', () => ({ items: [{ type: 'model', model: priceyModel, input_tokens: 1e12 }] }), 'items.0'],
  ])('%s → 400 naming %s, nothing written', async (_name, method, path, body, field) => {
    const before = await rowCounts();
    const key = path.startsWith('/v1/admin') ? 'admin' : account.key;
    const response = await api(method, path, { key, body: body() });
    expect({ status: response.status, code: response.body?.error?.code, field: response.body?.error?.details?.field }).toEqual({ status: 400, code: 'validation_failed', field });
    expect(await rowCounts()).toEqual(before);
  });

  it('usage at the ceiling is charged', async () => {
    const rich = await newAccount('free');
    await api('POST', '/v1/admin/credits/deposit', { key: 'admin', body: { account_id: rich.id, amount: 1_000_000 } });
    const response = await api('POST', '/v1/usage', { key: rich.key, body: { items: Array.from({ length: 10 }, () => ({ type: 'tool', tool: priceyTool })) } });
    expect(response.status).toBe(201);
    expect(response.body.credits_used).toBe(1_000_000);
  });
});

describe('closes and HEAD', () => {
  const nextMonth = () => {
    const now = new Date();
    const next = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
    return `${next.getUTCFullYear()}-${String(next.getUTCMonth() + 1).padStart(2, '0')}`;
  };
  it.each([['0000-01'], ['0999-12'], ['2026-13'], ['9999-12']])('POST /v1/admin/closes for %s → 400 naming period', async (period) => {
    const response = await api('POST', '/v1/admin/closes', { key: 'admin', body: { period } });
    expect(response.body.error).toMatchObject({ code: 'validation_failed', details: { field: 'period' } });
    expect(response.status).toBe(400);
  });

  it('POST /v1/admin/closes for next month → 400 naming period', async () => {
    const response = await api('POST', '/v1/admin/closes', { key: 'admin', body: { period: nextMonth() } });
    expect(response.status).toBe(400);
    expect(response.body.error.details.field).toBe('period');
  });

  it.each([
    ['/healthz', undefined],
    ['/readyz', undefined],
    ['/v1/plans', undefined],
    ['/v1/credits/balance', 'account'],
    ['/v1/admin/closes/2001-02', 'admin'],
  ])('HEAD %s answers like GET, without a body', async (path, who) => {
    const key = who === 'admin' ? 'admin' : who === 'account' ? account.key : undefined;
    const get = await api('GET', path, { key });
    const head = await fetch(`${readStackInfo().apiUrl}${path}`, { method: 'HEAD', headers: key ? { authorization: `Bearer ${key === 'admin' ? readStackInfo().adminApiKey : key}` } : {} });
    expect(head.status).toBe(get.status);
    expect(head.headers.get('content-type')).toBe(get.headers.get('content-type'));
    expect(await head.text()).toBe('');
  });
});
