import crypto from 'node:crypto';
import { api, type ApiResponse } from '../helpers/api';
import { startApiInstance, type ApiInstance } from '../helpers/api-instance';
import { newAccount, newTool, type TestAccount } from '../factories/accounts';

/**
 * The metering lane (src/http/metering-lane.ts) serves the plain POST /v1/usage beside Express.
 * Every answer it gives must be the one Express gives: each request below is sent twice, once as
 * the lane takes it and once with a query string, which the lane leaves to Express (the route
 * ignores query parameters), and the two answers are compared whole, minus the ids and balances
 * that differ from one call to the next.
 */
const VIA_EXPRESS = '?served=express';

interface Call {
  key?: string | 'admin';
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

/** What must match: status, body with per-call values masked, and the headers a client reads. */
function comparable(response: ApiResponse) {
  const masked = JSON.parse(JSON.stringify(response.body), (field, value) =>
    ['id', 'transaction_id', 'timestamp', 'balance_after', 'task_total_credits'].includes(field) ? `<${field}>` : value,
  );
  const headers = Object.fromEntries(['content-type', 'idempotent-replayed', 'retry-after'].map((name) => [name, response.headers.get(name)]));
  return { status: response.status, body: masked, headers, requestIdSent: response.headers.get('x-request-id') !== null };
}

async function bothWays(call: (path: string) => Call | Promise<Call>, base?: string) {
  const send = async (path: string) => {
    const { key, body, rawBody, headers } = await call(path);
    return base ? rawFetch(base, path, { key, body, rawBody, headers }) : api('POST', path, { key, body, rawBody, headers });
  };
  const lane = await send('/v1/usage');
  const express = await send(`/v1/usage${VIA_EXPRESS}`);
  return { lane, express };
}

/** The same request as `api()`, to another API instance. */
async function rawFetch(base: string, path: string, call: Call): Promise<ApiResponse> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...call.headers };
  if (call.key) headers.authorization = `Bearer ${call.key}`;
  const response = await fetch(`${base}${path}`, { method: 'POST', headers, body: call.rawBody ?? JSON.stringify(call.body) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: JSON.parse(text), text };
}

describe('the metering lane answers POST /v1/usage exactly as Express does', () => {
  let account: TestAccount;
  let empty: TestAccount;
  let tool: string;
  beforeAll(async () => {
    account = await newAccount('pro');
    empty = await newAccount('free');
    tool = await newTool(0.5);
  });
  const toolCall = () => ({ items: [{ type: 'tool', tool }] });

  it.each<[string, () => Call]>([
    ['a tool call', () => ({ key: account.key, body: toolCall() })],
    ['an agent run with a task', () => ({ key: account.key, body: { ...toolCall(), agent: 'lane-agent', task_id: 'lane-task', markup: 'agent' } })],
    ['a body opening with a byte order mark', () => ({ key: account.key, rawBody: `\uFEFF${JSON.stringify(toolCall())}` })],
    ['the charset named', () => ({ key: account.key, body: toolCall(), headers: { 'content-type': 'application/json; charset=utf-8' } })],
    ['no key', () => ({ body: toolCall() })],
    ['an unknown key', () => ({ key: 'sk_unknown', body: toolCall() })],
    ['the admin key', () => ({ key: 'admin', body: toolCall() })],
    ['JSON that does not parse', () => ({ key: account.key, rawBody: '{"items": [' })],
    ['JSON that does not parse, and no key', () => ({ rawBody: '{"items": [' })],
    ['a body the schema refuses, and no key', () => ({ body: { items: [] } })],
    ['a JSON null', () => ({ key: account.key, rawBody: 'null' })],
    ['an item the schema refuses', () => ({ key: account.key, body: { items: [{ type: 'tool', tool, quantity: 0 }] } })],
    ['a field the schema does not know', () => ({ key: account.key, body: { ...toolCall(), colour: 'red' } })],
    ['a NUL character', () => ({ key: account.key, body: { ...toolCall(), agent: 'a\u0000b' } })],
    ['an unknown tool', () => ({ key: account.key, body: { items: [{ type: 'tool', tool: 'no.such.tool' }] } })],
    ['an account without credits', () => ({ key: empty.key, body: toolCall() })],
    ['a timestamp in the future', () => ({ key: account.key, body: { ...toolCall(), timestamp: new Date(Date.now() + 3_600_000).toISOString() } })],
    ['two idempotency keys that differ', () => ({ key: account.key, body: { ...toolCall(), idempotency_key: 'one' }, headers: { 'idempotency-key': 'two' } })],
  ])('%s', async (_name, call) => {
    const { lane, express } = await bothWays(call);
    expect(comparable(lane)).toEqual(comparable(express));
  });

  it('an idempotent replay and a reused key with another body', async () => {
    const keyed = (path: string, body: unknown) => ({ key: account.key, body, headers: { 'idempotency-key': `lane-${path}-${crypto.randomUUID()}` } });
    // the first call, its replay and a conflicting body, on each path with its own key
    for (const path of ['/v1/usage', `/v1/usage${VIA_EXPRESS}`]) {
      const call = keyed(path, toolCall());
      const first = await api('POST', path, call);
      const replay = await api('POST', path, call);
      const conflict = await api('POST', path, { ...call, body: { items: [{ type: 'tool', tool, quantity: 2 }] } });
      expect(first.status).toBe(201);
      expect(replay.body).toEqual(first.body);
      expect(comparable(replay).headers['idempotent-replayed']).toBe('true');
      expect(conflict.status).toBe(409);
    }
    // and the hash is the endpoint's, whichever path took the request: a key used by one replays on the other
    const shared = keyed('shared', toolCall());
    const viaLane = await api('POST', '/v1/usage', shared);
    const viaExpress = await api('POST', `/v1/usage${VIA_EXPRESS}`, shared);
    expect(viaExpress.body).toEqual(viaLane.body);
    expect(viaExpress.headers.get('idempotent-replayed')).toBe('true');
  });

  it('echoes a sane X-Request-Id and makes one up otherwise', async () => {
    const given = await api('POST', '/v1/usage', { key: account.key, body: toolCall(), headers: { 'x-request-id': 'lane-check-1' } });
    expect(given.headers.get('x-request-id')).toBe('lane-check-1');
    const made = await api('POST', '/v1/usage', { key: account.key, body: toolCall(), headers: { 'x-request-id': 'not sane!' } });
    expect(made.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/);
  });

  describe('per-key rate limit', () => {
    let limited: ApiInstance;
    beforeAll(async () => {
      limited = await startApiInstance({ RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '1' });
    });
    afterAll(() => limited.stop());

    it('answers 429 with Retry-After on both paths', async () => {
      const call = () => ({ key: account.key, body: toolCall() });
      const { lane, express } = await bothWays(call, limited.url);
      expect(comparable(express)).toMatchObject({ status: 429, headers: { 'retry-after': '1' } });
      expect(comparable(lane).status).toBe(201); // the bucket's one token
      const again = await rawFetch(limited.url, '/v1/usage', call());
      expect(comparable(again)).toEqual(comparable(express));
    });
  });
});
