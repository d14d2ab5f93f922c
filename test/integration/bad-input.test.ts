import fc from 'fast-check';
import { allRoutes } from '../../src/http/routes';
import { api } from '../helpers/api';
import { testDb } from '../helpers/db';
import { newAccount, newTool, type TestAccount } from '../factories/accounts';

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
  const access = Array.isArray(route.access) ? route.access : [route.access];
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
