import SwaggerParser from '@apidevtools/swagger-parser';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import { allRoutes } from '../../src/http/routes';
import { accessOf, type RouteSpec } from '../../src/http/route';
import { api, type ApiResponse } from '../helpers/api';
import { testDb } from '../helpers/db';
import { newAccount, newModel, newTool, useTool, type TestAccount } from '../factories/accounts';

/**
 * Every declared route, called with data that exists, answers only statuses its OpenAPI entry
 * declares, with bodies that validate against the schemas in /openapi.json: what a client
 * generated from the document would accept. (The API also checks its own answers under test;
 * this reads them from the outside, as the document says.)
 */
const db = testDb();
afterAll(() => db.destroy());

type Operation = { responses: Record<string, { content?: Record<string, { schema: object }> }> };
let paths: Record<string, Record<string, Operation>>;
const ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: false });
const validators = new Map<object, ValidateFunction>();

let account: TestAccount;
let publisherKey: string;
const ids: Record<string, string> = {};

beforeAll(async () => {
  const document = (await api('GET', '/openapi.json')).body;
  await SwaggerParser.validate(structuredClone(document));
  paths = ((await SwaggerParser.dereference(document)) as unknown as { paths: typeof paths }).paths;

  account = await newAccount('pro');
  const tool = await newTool(2);
  ids.model = await newModel({ creditInputPer1M: 3, creditOutputPer1M: 15 });
  await api('POST', '/v1/admin/credits/deposit', { key: 'admin', body: { account_id: account.id, amount: 100 } });
  ids.use = (await useTool(account, tool, { agent: 'conformance', task_id: 'task-1' })).body.id;
  await api('POST', '/v1/tokens/consume', { key: account.key, body: { amount: 1 } });
  const publisher = (await api('POST', '/v1/admin/publishers', { key: 'admin', body: { name: 'conformance publisher' } })).body;
  publisherKey = publisher.api_key;
  ids.pub = publisher.id;
  ids.key = (await api('POST', `/v1/admin/accounts/${account.id}/api-keys`, { key: 'admin' })).body.key_id;
  ids.pur = (await api('POST', '/v1/billing/credits/purchase', { key: account.key, body: { amount: 100 } })).body.purchase_id;
  await db('closes').insert({ period: '2001-01', status: 'completed', workflow_id: 'close:2001-01', finished_at: new Date() }).onConflict('period').ignore();
});

/** Requests that exercise each route's success answer; the rest are called with `{}` (usually a 400). */
const goodBodies: Record<string, () => unknown> = {
  'POST /v1/admin/accounts': () => ({ name: 'conformance account' }),
  'POST /v1/admin/publishers': () => ({ name: 'another conformance publisher' }),
  'PUT /v1/admin/tools/:tool_id': () => ({ credits_per_execution: 1 }),
  'PUT /v1/admin/models/:name': () => ({ provider: 'anthropic', creditInputPer1M: 3, creditOutputPer1M: 15 }),
  'PUT /v1/admin/plans/:id': () => ({ name: 'Conformance', monthly_price: 0, included_credits: 10, overage_allowed: false }),
  // inactive: the package exists for this check only and stays out of the public list other suites assert
  'PUT /v1/admin/packages/:id': () => ({ amount: 10, price: 10, active: false }),
  'POST /v1/usage': () => ({ items: [{ type: 'model', model: ids.model, input_tokens: 1000, output_tokens: 100 }] }),
  'POST /v1/credits/debit': () => ({ amount: 0.5, description: 'conformance' }),
  'POST /v1/tokens/consume': () => ({ amount: 1 }),
  'POST /v1/admin/credits/deposit': () => ({ account_id: account.id, amount: 1 }),
  'POST /v1/admin/grants': () => ({ account_id: account.id, amount: 1, kind: 'promotional' }),
  'POST /v1/admin/tokens/grant': () => ({ account_id: account.id, amount: 10 }),
  'POST /v1/admin/vouchers': () => ({ credits: 1 }),
  'PUT /v1/billing/profile': () => ({ legal_name: 'Conformance GmbH', email: 'billing@example.com', address: { line1: 'Str. 1', city: 'Berlin', postal_code: '10115', country: 'DE' } }),
  'PUT /v1/admin/tax-rates/:country': () => ({ rate: 0.19, name: 'VAT' }),
  'POST /v1/billing/credits/purchase': () => ({ amount: 10 }),
  'POST /v1/credits/purchase': () => ({ package_id: 'starter' }),
  'POST /v1/admin/payment-orders': () => ({ account_id: account.id, credits: 10 }),
  'PUT /v1/admin/publishers/:id': () => ({ revenue_share: 0.8 }),
  'PUT /v1/billing/auto-recharge': () => ({ enabled: false, threshold_credits: 10, recharge_credits: 100 }),
  'PUT /v1/admin/accounts/:id/plan': () => ({ plan: 'pro' }),
  'POST /v1/admin/system-checks': () => ({}),
};

const params = (): Record<string, string> => ({
  id: account.id,
  key_id: 'key_nothing',
  tool_id: 'conformance.tool',
  name: 'conformance-model',
  country: 'DE',
  period: '2001-01',
});
/** Path parameters that name a real object of the route's kind. */
function urlFor(route: RouteSpec): string {
  const byPrefix: Array<[RegExp, string]> = [
    [/^\/v1\/usage\//, ids.use!],
    [/purchases|payment-orders/, ids.pur!],
    [/^\/v1\/admin\/publishers\//, ids.pub!],
    [/api-keys\/:key_id/, ids.key!],
    [/^\/v1\/admin\/plans\//, 'conformance'],
    [/^\/v1\/admin\/packages\//, 'conformance'],
    [/invoices\/:id/, 'inv_nothing'],
    [/payouts\/:id/, 'po_nothing'],
    [/workflows\/:id/, 'system-check:nothing'],
  ];
  const idFor = byPrefix.find(([pattern]) => pattern.test(route.path))?.[1];
  return route.path.replace(/:([a-z_]+)/g, (_m, name: string) => (name === 'id' && idFor ? idFor : (params()[name] ?? 'x')));
}

function keyFor(route: RouteSpec): string | undefined {
  const access = accessOf(route);
  if (access.includes('account')) return account.key;
  if (access.includes('admin')) return 'admin';
  return access.includes('publisher') ? publisherKey : undefined;
}

/** Why the answer is not what /openapi.json declares for the operation; null when it is. */
function nonConformance(route: RouteSpec, response: ApiResponse): string | null {
  const operation = paths[route.path.replace(/:([A-Za-z_]+)/g, '{$1}')]?.[route.method];
  if (!operation) return 'the operation is missing from /openapi.json';
  const declared = operation.responses[String(response.status)];
  if (!declared) return `status ${response.status} is not declared (declared: ${Object.keys(operation.responses).join(', ')}): ${response.text.slice(0, 300)}`;
  const contentType = (response.headers.get('content-type') ?? '').split(';')[0]!;
  const content = declared.content?.[contentType];
  if (!declared.content) return response.text === '' ? null : `status ${response.status} declares no body, got ${contentType}`;
  if (!content) return `content type ${contentType} is not declared for ${response.status}`;
  if (contentType !== 'application/json') return null;
  let validate = validators.get(content.schema);
  if (!validate) validators.set(content.schema, (validate = ajv.compile(content.schema)));
  return validate(response.body) ? null : `${response.status} body: ${ajv.errorsText(validate.errors)}: ${response.text.slice(0, 300)}`;
}

const routes = allRoutes.filter((route) => route.path !== '/v1/webhooks/stripe');

describe('OpenAPI = behaviour', () => {
  it.each(routes.map((route) => [route.method.toUpperCase(), route.path, route] as const))('%s %s answers as /openapi.json declares', async (method, path, route) => {
    const good = goodBodies[`${method} ${path}`];
    const body = good ? good() : route.method === 'get' ? undefined : {};
    const response = await api(method, urlFor(route), { key: keyFor(route), body });
    expect(response.status).toBeLessThan(500);
    expect(nonConformance(route, response)).toBeNull();
  });

  it.each([
    ['GET', '/v1/credits/transactions'],
    ['GET', '/v1/tokens/transactions'],
    ['GET', '/v1/billing/credits'],
    ['GET', '/v1/billing/usage'],
    ['GET', '/v1/subscription'],
    ['GET', '/v1/admin/closes/:period'],
    ['GET', '/v1/usage/:id'],
    ['POST', '/v1/usage'],
    ['POST', '/v1/admin/accounts'],
  ])('%s %s answers its success status with a conforming body', async (method, path) => {
    const route = routes.find((candidate) => candidate.method.toUpperCase() === method && candidate.path === path)!;
    const good = goodBodies[`${method} ${path}`];
    const response = await api(method, urlFor(route), { key: keyFor(route), body: good?.() });
    expect({ status: response.status, text: response.status === route.response.status ? '' : response.text }).toEqual({ status: route.response.status, text: '' });
    expect(nonConformance(route, response)).toBeNull();
  });

  it.each([
    ['an account key on an admin route', 'GET', '/v1/admin/payouts', () => account.key, 403],
    ['a publisher key on an account route', 'GET', '/v1/credits/balance', () => publisherKey, 403],
    ['an unknown key', 'GET', '/v1/credits/balance', () => 'sk_nothing', 401],
    ['an unknown object', 'GET', '/v1/admin/payouts/:id', () => 'admin', 404],
  ])('%s: %s %s answers a declared status', async (_name, method, path, key, status) => {
    const route = routes.find((candidate) => candidate.method.toUpperCase() === method && candidate.path === path)!;
    const response = await api(method, urlFor(route), { key: key() });
    expect(response.status).toBe(status);
    expect(nonConformance(route, response)).toBeNull();
  });

  it('a body over the size limit is a declared 413', async () => {
    const route = routes.find((candidate) => candidate.method === 'post' && candidate.path === '/v1/usage')!;
    const response = await api('POST', '/v1/usage', { key: account.key, rawBody: JSON.stringify({ agent: 'x'.repeat(300_000), items: [] }) });
    expect(response.status).toBe(413);
    expect(nonConformance(route, response)).toBeNull();
  });
});
