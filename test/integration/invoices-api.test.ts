import type { Knex } from 'knex';
import { ensureInvoicePdf } from '../../src/invoices/invoice-pdf.service';
import { createDraft, finalizeInvoice } from '../../src/invoices/invoices.service';
import type { IssueInvoiceInput } from '../../src/invoices/issue-invoice.types';
import { api, expectErrorBody } from '../helpers/api';
import { testDb } from '../helpers/db';
import { createAccount, defaultInvoiceSettings, PROFILES, purchaseInput, putProfile } from '../helpers/invoice-fixtures';

let db: Knex;
beforeAll(() => {
  db = testDb();
});
afterAll(() => db.destroy());

const settings = defaultInvoiceSettings();

async function issued(input: IssueInvoiceInput, now?: Date) {
  const draft = await createDraft(db, input);
  const row = await finalizeInvoice(db, settings, draft.id, now);
  await ensureInvoicePdf(db, draft.id);
  return row;
}

describe('PUT/GET /v1/billing/profile', () => {
  it('stores the profile, normalises the tax id and derives the buyer type', async () => {
    const account = await createAccount();
    expectErrorBody(await api('GET', '/v1/billing/profile', { key: account.key }), 404, 'not_found');
    const put = await api('PUT', '/v1/billing/profile', { key: account.key, body: { ...PROFILES.frenchBusiness, address: { ...PROFILES.frenchBusiness.address, country: 'fr', line2: 'Bât. B' } } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      account_id: account.id, legal_name: 'Société Exemple SARL', tax_id: 'FR12345678901', buyer_type: 'business',
      address: { line1: '12 rue de la Paix', line2: 'Bât. B', city: 'Paris', postal_code: '75002', country: 'FR' },
    });
    const consumer = await api('PUT', '/v1/billing/profile', { key: account.key, body: PROFILES.frenchConsumer });
    expect(consumer.body).toMatchObject({ tax_id: null, buyer_type: 'consumer', legal_name: 'Camille Martin', address: { line2: null } });
    expect((await api('GET', '/v1/billing/profile', { key: account.key })).body).toEqual(consumer.body);
  });

  it.each([
    ['empty legal_name', { ...PROFILES.germanConsumer, legal_name: '' }, 'legal_name'],
    ['bad email', { ...PROFILES.germanConsumer, email: 'nope' }, 'email'],
    ['no address', { ...PROFILES.germanConsumer, address: undefined }, 'address'],
    ['unknown country XX', { ...PROFILES.germanConsumer, address: { ...PROFILES.germanConsumer.address, country: 'XX' } }, 'address.country'],
    ['withdrawn code UK', { ...PROFILES.germanConsumer, address: { ...PROFILES.germanConsumer.address, country: 'UK' } }, 'address.country'],
    ['alpha-3 country', { ...PROFILES.germanConsumer, address: { ...PROFILES.germanConsumer.address, country: 'DEU' } }, 'address.country'],
    ['long postal code', { ...PROFILES.germanConsumer, address: { ...PROFILES.germanConsumer.address, postal_code: 'x'.repeat(21) } }, 'address.postal_code'],
    ['unknown address field', { ...PROFILES.germanConsumer, address: { ...PROFILES.germanConsumer.address, street: 'x' } }, 'address'],
    ['VAT id of another EU country', { ...PROFILES.germanConsumer, tax_id: 'FR12345678901' }, 'tax_id'],
    ['too short tax id', { ...PROFILES.germanConsumer, tax_id: 'DE1' }, 'tax_id'],
    ['numeric tax id', { ...PROFILES.germanConsumer, tax_id: 42 }, 'tax_id'],
    ['unknown field', { ...PROFILES.germanConsumer, vat: 'x' }, 'body'],
  ])('rejects %s (%j), naming %s, writing nothing', async (_label, body, field) => {
    const account = await createAccount();
    await putProfile(account.key, PROFILES.usBusiness);
    const response = await api('PUT', '/v1/billing/profile', { key: account.key, body });
    expectErrorBody(response, 400, 'validation_failed');
    expect(response.body.error.details.field).toBe(field);
    expect((await api('GET', '/v1/billing/profile', { key: account.key })).body.legal_name).toBe('Acme Inc.');
  });

  it('is for account keys only', async () => {
    expectErrorBody(await api('PUT', '/v1/billing/profile', { key: 'admin', body: PROFILES.germanConsumer }), 403, 'forbidden');
    expectErrorBody(await api('PUT', '/v1/billing/profile', { body: PROFILES.germanConsumer }), 401, 'unauthorized');
  });
});

describe('PUT /v1/admin/tax-rates/:country', () => {
  it('sets a rate given as a decimal fraction and lists it', async () => {
    const put = await api('PUT', '/v1/admin/tax-rates/no', { key: 'admin', body: { rate: 0.25, name: 'MVA' } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ country: 'NO', rate: 0.25, rate_bp: 2500, name: 'MVA' });
    const precise = await api('PUT', '/v1/admin/tax-rates/NO', { key: 'admin', body: { rate: 0.1234, name: 'MVA' } });
    expect(precise.body).toMatchObject({ rate: 0.1234, rate_bp: 1234 });
    const list = await api('GET', '/v1/admin/tax-rates', { key: 'admin' });
    expect(list.body.data).toEqual(expect.arrayContaining([
      expect.objectContaining({ country: 'NO', rate: 0.1234 }),
      expect.objectContaining({ country: 'DE', rate: 0.19, name: 'VAT' }),
      expect.objectContaining({ country: 'FI', rate: 0.255 }),
    ]));
  });

  it.each([
    ['DE', { rate: 1.5, name: 'VAT' }, 'rate'],
    ['DE', { rate: -0.1, name: 'VAT' }, 'rate'],
    ['DE', { rate: 0.12345, name: 'VAT' }, 'rate'],
    ['DE', { rate: '0.19', name: 'VAT' }, 'rate'],
    ['DE', { rate: 0.19, name: '' }, 'name'],
    ['DE', { rate: 0.19 }, 'name'],
    ['DE', { rate: 0.19, name: 'VAT', extra: 1 }, 'body'],
    ['XX', { rate: 0.19, name: 'VAT' }, 'country'],
    ['DEU', { rate: 0.19, name: 'VAT' }, 'country'],
  ])('PUT %s %j → 400 naming %s, nothing written', async (country, body, field) => {
    const response = await api('PUT', `/v1/admin/tax-rates/${country}`, { key: 'admin', body });
    expectErrorBody(response, 400, 'validation_failed');
    expect(response.body.error.details.field).toBe(field);
    expect((await db('tax_rates').where({ country: 'DE' }).first()).rate_bp).toBe(1900);
  });

  it('is for admins only', async () => {
    const account = await createAccount();
    expectErrorBody(await api('PUT', '/v1/admin/tax-rates/DE', { key: account.key, body: { rate: 0, name: 'VAT' } }), 403, 'forbidden');
  });
});

describe('GET /v1/invoices, /v1/invoices/:id, /v1/invoices/:id/pdf', () => {
  let alice: { id: string; key: string };
  let bob: { id: string; key: string };
  let aliceInvoices: Array<{ id: string; number: string | null }>;

  beforeAll(async () => {
    alice = await createAccount('Alice');
    bob = await createAccount('Bob');
    await putProfile(alice.key, PROFILES.germanConsumer);
    const first = await issued(purchaseInput(alice.id), new Date('2031-03-10T12:00:00Z'));
    const second = await issued(purchaseInput(alice.id), new Date('2031-04-10T12:00:00Z'));
    const credit = await issued(purchaseInput(alice.id, {
      source: `refund:re_${first.id}`, kind: 'credit_note', correctsInvoiceId: first.id,
      lines: [{ description: 'Refund', quantity: 1, unitAmountMinor: 1000, amountMinor: 1000 }],
    }), new Date('2031-04-20T12:00:00Z'));
    const draft = await createDraft(db, purchaseInput(alice.id));
    aliceInvoices = [first, second, credit, draft];
    await issued(purchaseInput(bob.id));
  });

  it('lists an account’s own invoices, newest first, with meta', async () => {
    const list = await api('GET', '/v1/invoices', { key: alice.key });
    expect(list.status).toBe(200);
    expect(list.body.meta).toEqual({ total: 4, limit: 20, offset: 0 });
    expect(list.body.data.map((i: any) => i.id)).toEqual([...aliceInvoices].reverse().map((i) => i.id));
    expect(list.body.data.every((i: any) => i.account_id === alice.id)).toBe(true);
    const page = await api('GET', '/v1/invoices?limit=1&offset=1', { key: alice.key });
    expect(page.body.meta).toEqual({ total: 4, limit: 1, offset: 1 });
    expect(page.body.data.map((i: any) => i.id)).toEqual([aliceInvoices[2]!.id]);
  });

  it.each([
    ['kind=credit_note', [2]],
    ['kind=invoice&status=finalized', [1, 0]],
    ['status=draft', [3]],
    ['start_date=2031-04-01', [2, 1]],
    ['start_date=2031-03-01T00:00:00Z&end_date=2031-04-10', [1, 0]],
    ['end_date=2031-04-10T12:00:00Z', [0]],
  ])('filters ?%s', async (query, indexes) => {
    const list = await api('GET', `/v1/invoices?${query}`, { key: alice.key });
    expect(list.status).toBe(200);
    expect(list.body.data.map((i: any) => i.id)).toEqual(indexes.map((i) => aliceInvoices[i]!.id));
    expect(list.body.meta.total).toBe(indexes.length);
  });

  it('lets admins see every account and filter by account_id; an account key never sees another’s', async () => {
    const all = await api('GET', `/v1/invoices?account_id=${alice.id}&limit=100`, { key: 'admin' });
    expect(all.body.meta.total).toBe(4);
    const bobs = await api('GET', `/v1/invoices?account_id=${bob.id}`, { key: 'admin' });
    expect(bobs.body.meta.total).toBe(1);
    const sneaky = await api('GET', `/v1/invoices?account_id=${bob.id}`, { key: alice.key });
    expect(sneaky.body).toEqual({ data: [], meta: { total: 0, limit: 20, offset: 0 } });
    const bobInvoice = bobs.body.data[0];
    expectErrorBody(await api('GET', `/v1/invoices/${bobInvoice.id}`, { key: alice.key }), 404, 'not_found');
    expectErrorBody(await api('GET', `/v1/invoices/${bobInvoice.id}/pdf`, { key: alice.key }), 404, 'not_found');
    expect((await api('GET', `/v1/invoices/${bobInvoice.id}`, { key: bob.key })).status).toBe(200);
    expect((await api('GET', `/v1/invoices/${bobInvoice.id}`, { key: 'admin' })).status).toBe(200);
    const bySource = await api('GET', `/v1/invoices?source=${encodeURIComponent(bobInvoice.source)}`, { key: 'admin' });
    expect(bySource.body.data.map((i: any) => i.id)).toEqual([bobInvoice.id]);
  });

  it('serves the PDF as application/pdf with the stored hash; a draft has none yet (409)', async () => {
    const first = aliceInvoices[0]!;
    const view = await api('GET', `/v1/invoices/${first.id}`, { key: alice.key });
    const pdf = await api('GET', `/v1/invoices/${first.id}/pdf`, { key: alice.key });
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(pdf.headers.get('content-disposition')).toBe(`inline; filename="${first.number}.pdf"`);
    expect(pdf.headers.get('x-content-sha256')).toBe(view.body.pdf_sha256);
    expect(pdf.text.startsWith('%PDF-')).toBe(true);
    const draft = aliceInvoices[3]!;
    const draftView = await api('GET', `/v1/invoices/${draft.id}`, { key: alice.key });
    expect(draftView.body).toMatchObject({ status: 'draft', number: null, issued_at: null, subtotal: null, tax: null, total: null, tax_snapshot: null, pdf_sha256: null, pdf_url: null });
    expectErrorBody(await api('GET', `/v1/invoices/${draft.id}/pdf`, { key: alice.key }), 409, 'invoice_not_finalized');
  });

  it.each([
    ['/v1/invoices?limit=101', 'limit'],
    ['/v1/invoices?limit=0', 'limit'],
    ['/v1/invoices?offset=-1', 'offset'],
    ['/v1/invoices?kind=receipt', 'kind'],
    ['/v1/invoices?status=void', 'status'],
    ['/v1/invoices?start_date=yesterday', 'start_date'],
    ['/v1/invoices?start_date=2031-05-01&end_date=2031-04-01', 'end_date'],
    ['/v1/invoices?account_id=bob', 'account_id'],
    ['/v1/invoices/not-an-id', 'id'],
    ['/v1/invoices/inv_UPPER/pdf', 'id'],
  ])('GET %s → 400 naming %s', async (path, field) => {
    const response = await api('GET', path, { key: alice.key });
    expectErrorBody(response, 400, 'validation_failed');
    expect(response.body.error.details.field).toBe(field);
  });

  it('answers unknown ids with 404 and refuses publisher keys', async () => {
    expectErrorBody(await api('GET', '/v1/invoices/inv_doesnotexist', { key: 'admin' }), 404, 'not_found');
    expectErrorBody(await api('GET', '/v1/invoices/inv_doesnotexist/pdf', { key: alice.key }), 404, 'not_found');
    const publisher = await api('POST', '/v1/admin/publishers', { key: 'admin', body: { name: 'Tools Inc' } });
    expectErrorBody(await api('GET', '/v1/invoices', { key: publisher.body.api_key }), 403, 'forbidden');
  });

  it('documents the invoice endpoints in /openapi.json', async () => {
    const { body } = await api('GET', '/openapi.json');
    expect(Object.keys(body.paths)).toEqual(expect.arrayContaining([
      '/v1/billing/profile', '/v1/admin/tax-rates/{country}', '/v1/invoices', '/v1/invoices/{id}', '/v1/invoices/{id}/pdf', '/v1/admin/invoices/{id}/void',
    ]));
    expect(body.paths['/v1/invoices/{id}/pdf'].get.responses['200'].content).toHaveProperty(['application/pdf']);
  });
});
