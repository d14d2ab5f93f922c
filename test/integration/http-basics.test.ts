import SwaggerParser from '@apidevtools/swagger-parser';
import { api, expectErrorBody } from '../helpers/api';

describe('HTTP basics', () => {
  it('answers /healthz and /readyz once every dependency is up', async () => {
    expect((await api('GET', '/healthz')).body).toEqual({ status: 'ok' });
    const ready = await api('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', checks: { database: 'ok', temporal: 'ok', stripe: 'ok' } });
  });

  it('serves a valid OpenAPI 3.1 document that lists the routes', async () => {
    const { body } = await api('GET', '/openapi.json');
    expect(body.openapi).toBe('3.1.0');
    await expect(SwaggerParser.validate(structuredClone(body))).resolves.toBeDefined();
    expect(Object.keys(body.paths)).toEqual(expect.arrayContaining(['/healthz', '/readyz', '/v1/admin/accounts', '/v1/admin/workflows/{id}']));
  });

  it('serves the docs page without any CDN', async () => {
    const page = await api('GET', '/docs');
    expect(page.status).toBe(200);
    expect(page.text).toContain('/openapi.json');
    const script = await api('GET', '/docs/assets/swagger-ui-bundle.js');
    expect(script.status).toBe(200);
  });

  it('answers an unknown route with the contract 404 body', async () => {
    expectErrorBody(await api('GET', '/v1/nothing-here'), 404, 'not_found');
    expectErrorBody(await api('DELETE', '/'), 404, 'not_found');
  });

  it('answers malformed JSON with a 400 naming the body', async () => {
    const response = await api('POST', '/v1/admin/accounts', { key: 'admin', rawBody: '{"name": ' });
    expectErrorBody(response, 400, 'validation_failed');
    expect(response.body.error.details.field).toBe('body');
  });

  it('rejects missing, malformed and unknown keys with 401', async () => {
    expectErrorBody(await api('POST', '/v1/admin/accounts', { body: { name: 'x' } }), 401, 'unauthorized');
    expectErrorBody(await api('POST', '/v1/admin/accounts', { body: { name: 'x' }, headers: { authorization: 'Basic abc' } }), 401, 'unauthorized');
    expectErrorBody(await api('POST', '/v1/admin/accounts', { key: 'sk_settle_nope', body: { name: 'x' } }), 401, 'unauthorized');
  });
});

describe('POST /v1/admin/accounts', () => {
  it('creates an account on the free plan with a working key shown once', async () => {
    const created = await api('POST', '/v1/admin/accounts', { key: 'admin', body: { name: 'Acme' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Acme', plan: 'free' });
    expect(created.body.id).toMatch(/^acct_[a-z0-9]{20}$/);
    expect(created.body.api_key).toMatch(/^sk_settle_/);
    // an account key is not an admin key
    const forbidden = await api('POST', '/v1/admin/accounts', { key: created.body.api_key, body: { name: 'x' } });
    expectErrorBody(forbidden, 403, 'forbidden');
  });

  it('floors a past period_start to its month and refuses a future one', async () => {
    const migrated = await api('POST', '/v1/admin/accounts', { key: 'admin', body: { name: 'Old', plan: 'pro', period_start: '2026-10-17T08:00:00Z' } });
    expect(migrated.status).toBe(201);
    expect(migrated.body.period_start).toBe('2026-10-01T00:00:00.000Z');
    expect(migrated.body.period_end).toBe('2026-11-01T00:00:00.000Z');
    const future = await api('POST', '/v1/admin/accounts', { key: 'admin', body: { name: 'Future', period_start: '2999-01-01T00:00:00Z' } });
    expectErrorBody(future, 400, 'validation_failed');
    expect(future.body.error.details.field).toBe('period_start');
  });

  it.each([
    [{}, 'name'],
    [{ name: '' }, 'name'],
    [{ name: 42 }, 'name'],
    [{ name: 'x'.repeat(201) }, 'name'],
    [{ name: 'x', plan: 'platinum' }, 'plan'],
    [{ name: 'x', email: 'not-an-email' }, 'email'],
    [{ name: 'x', stripe_customer_id: 'bogus' }, 'stripe_customer_id'],
    [{ name: 'x', surprise: true }, 'body'],
  ])('rejects %o naming %s', async (body, field) => {
    const response = await api('POST', '/v1/admin/accounts', { key: 'admin', body });
    expectErrorBody(response, 400, 'validation_failed');
    expect(response.body.error.details.field).toBe(field);
  });

  it('revokes a key so it stops working', async () => {
    const created = await api('POST', '/v1/admin/accounts', { key: 'admin', body: { name: 'Revoked' } });
    const second = await api('POST', `/v1/admin/accounts/${created.body.id}/api-keys`, { key: 'admin' });
    expect(second.status).toBe(201);
    const revoked = await api('DELETE', `/v1/admin/api-keys/${second.body.key_id}`, { key: 'admin' });
    expect(revoked.status).toBe(200);
    expectErrorBody(await api('DELETE', `/v1/admin/api-keys/${second.body.key_id}`, { key: 'admin' }), 404, 'not_found');
    expectErrorBody(await api('POST', '/v1/admin/accounts/acct_doesnotexist/api-keys', { key: 'admin' }), 404, 'not_found');
  });
});
