import type { Knex } from 'knex';
import { ensureInvoicePdf, renderFinalizedInvoice, sha256OfBytes } from '../../src/invoices/invoice-pdf.service';
import { createDraft, finalizeInvoice } from '../../src/invoices/invoices.service';
import type { IssueInvoiceInput } from '../../src/invoices/issue-invoice.types';
import { api } from '../helpers/api';
import { testDb } from '../helpers/db';
import { createAccount, defaultInvoiceSettings, invoiceRow, PROFILES, purchaseInput, putProfile } from '../helpers/invoice-fixtures';
import { extractPdfText } from '../helpers/pdf-text';
import { readStackInfo } from '../helpers/stack-info';

let db: Knex;
beforeAll(() => {
  db = testDb();
});
afterAll(() => db.destroy());

const settings = defaultInvoiceSettings();

/** Issue as the workflow does (draft → finalize → PDF), then read it back over the API. */
async function issue(input: IssueInvoiceInput, key: string) {
  const draft = await createDraft(db, input);
  await finalizeInvoice(db, settings, draft.id);
  await ensureInvoicePdf(db, draft.id);
  const view = await api('GET', `/v1/invoices/${draft.id}`, { key });
  expect(view.status).toBe(200);
  const pdf = await api('GET', `/v1/invoices/${draft.id}/pdf`, { key });
  expect(pdf.status).toBe(200);
  return { invoice: view.body, pdfResponse: pdf };
}

async function pdfBytes(id: string, key: string): Promise<Buffer> {
  const stack = readStackInfo();
  const response = await fetch(`${stack.apiUrl}/v1/invoices/${id}/pdf`, { headers: { authorization: `Bearer ${key}` } });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('application/pdf');
  return Buffer.from(await response.arrayBuffer());
}

describe('tax treatment frozen on the invoice (seller in DE, the default)', () => {
  it('reverse charge: an EU business with a VAT id in another EU country pays 0 % with the legal note', async () => {
    const account = await createAccount('Société Exemple');
    await putProfile(account.key, PROFILES.frenchBusiness);
    const { invoice } = await issue(purchaseInput(account.id), account.key);
    expect(invoice).toMatchObject({
      kind: 'invoice',
      status: 'finalized',
      currency: 'eur',
      lines: [{ description: 'Credit package Pro: 100 credits', quantity: 1, unit_amount: 90, amount: 90 }],
      subtotal: 90,
      tax: 0,
      total: 90,
      tax_lines: [{ name: 'VAT', rate: 0, country: 'FR', rule: 'reverse_charge', taxable_amount: 90, amount: 0 }],
    });
    expect(invoice.number).toMatch(/^INV-\d{4}-\d{6}$/);
    expect(invoice.tax_snapshot).toMatchObject({
      rule: 'reverse_charge', rate: 0, seller_country: 'DE', buyer_country: 'FR', buyer_type: 'business', tax_id: 'FR12345678901',
      buyer: { name: 'Société Exemple SARL', tax_id: 'FR12345678901', address: { country: 'FR', country_name: 'France' } },
      seller: { name: 'Example Seller GmbH', tax_id: 'DE000000000' },
      taxable_amount: 90, tax_amount: 0, total: 90, currency: 'eur',
    });
    expect(invoice.tax_snapshot.note).toBe('Reverse charge: VAT to be accounted for by the recipient (Article 196, Council Directive 2006/112/EC). Customer VAT ID: FR12345678901.');
    const { text } = await extractPdfText(await pdfBytes(invoice.id, account.key));
    expect(text).toContain(invoice.number);
    expect(text).toContain('VAT 0% (FR) reverse charge');
    expect(text).toContain('Société Exemple SARL');
    expect(text).toContain('Tax ID: FR12345678901');
    expect(text).toContain('Reverse charge: VAT to be accounted for by the recipient');
    expect(text).toMatch(/Total\s+90\.00 EUR/);
  });

  it('EU consumer: the buyer country’s rate', async () => {
    const account = await createAccount('Camille');
    await putProfile(account.key, PROFILES.frenchConsumer);
    const { invoice } = await issue(purchaseInput(account.id, {
      lines: [
        { description: 'Starter package: 25 credits', quantity: 2, unitAmountMinor: 2500, amountMinor: 5000 },
        { description: 'Top-up', quantity: 1, unitAmountMinor: 1999, amountMinor: 1999 },
      ],
    }), account.key);
    // 69.99 × 20 % = 13.998 → 14.00 (half-up)
    expect(invoice).toMatchObject({
      lines: [
        { description: 'Starter package: 25 credits', quantity: 2, unit_amount: 25, amount: 50 },
        { description: 'Top-up', quantity: 1, unit_amount: 19.99, amount: 19.99 },
      ],
      subtotal: 69.99, tax: 14, total: 83.99,
      tax_lines: [{ name: 'VAT', rate: 0.2, country: 'FR', rule: 'eu_consumer', taxable_amount: 69.99, amount: 14 }],
    });
    expect(invoice.tax_snapshot).toMatchObject({ rule: 'eu_consumer', rate: 0.2, rate_bp: 2000, buyer_type: 'consumer', tax_id: null, buyer_country: 'FR' });
    expect(invoice.tax_snapshot.note).toBe("VAT charged at the rate of France (20%), the customer's place of supply (Article 58, Council Directive 2006/112/EC).");
    const { text } = await extractPdfText(await pdfBytes(invoice.id, account.key));
    for (const expected of [invoice.number, 'Subtotal', '69.99 EUR', 'VAT 20% (FR)', '14.00 EUR', '83.99 EUR', 'Starter package: 25 credits', 'Camille Martin', 'Payment reference', 'pi_test_123']) {
      expect(text).toContain(expected);
    }
    expect(text).toMatch(/Total\s+83\.99 EUR/);
  });

  it('domestic consumer in the seller’s country: domestic VAT, no note', async () => {
    const account = await createAccount('Jana');
    await putProfile(account.key, PROFILES.germanConsumer);
    const { invoice } = await issue(purchaseInput(account.id), account.key);
    expect(invoice).toMatchObject({ subtotal: 90, tax: 17.1, total: 107.1, tax_lines: [{ rule: 'domestic', rate: 0.19, country: 'DE', note: null }] });
  });

  it('outside the EU: 0 % with the note, unless a rate is configured', async () => {
    const account = await createAccount('Acme Inc');
    await putProfile(account.key, PROFILES.usBusiness);
    const { invoice } = await issue(purchaseInput(account.id, { currency: 'usd' }), account.key);
    expect(invoice).toMatchObject({
      currency: 'usd', subtotal: 90, tax: 0, total: 90,
      tax_lines: [{ rule: 'outside_eu', rate: 0, country: null, note: 'Not subject to EU VAT: the place of supply is outside the EU (United States).' }],
    });
    const { text } = await extractPdfText(await pdfBytes(invoice.id, account.key));
    expect(text).toContain('Not subject to EU VAT: the place of supply is outside the EU (United States).');
    expect(text).toMatch(/Total\s+90\.00 USD/);

    const swiss = await createAccount('Swiss AG');
    await putProfile(swiss.key, { legal_name: 'Beispiel AG', email: 'a@b.ch', address: { line1: 'Bahnhofstrasse 1', city: 'Zürich', postal_code: '8001', country: 'CH' } });
    expect((await api('PUT', '/v1/admin/tax-rates/CH', { key: 'admin', body: { rate: 0.081, name: 'MWST' } })).status).toBe(200);
    const configured = await issue(purchaseInput(swiss.id, { currency: 'chf' }), swiss.key);
    expect(configured.invoice).toMatchObject({ subtotal: 90, tax: 7.29, total: 97.29, tax_lines: [{ name: 'MWST', rule: 'configured_rate', rate: 0.081, country: 'CH' }] });
  });

  it('an account without a billing profile is taxed in the seller’s country, with a note', async () => {
    const account = await createAccount('No Profile Ltd');
    const { invoice } = await issue(purchaseInput(account.id), account.key);
    expect(invoice).toMatchObject({ tax: 17.1, total: 107.1, tax_lines: [{ rule: 'unknown_location', country: 'DE' }] });
    expect(invoice.tax_snapshot.buyer).toEqual({ name: 'No Profile Ltd', email: 'owner@example.com', tax_id: null, address: null, type: 'consumer' });
  });

  it('tax-inclusive amounts (a gross amount charged at checkout): the total stays, tax is carved out', async () => {
    const account = await createAccount('Gross Buyer');
    await putProfile(account.key, PROFILES.germanConsumer);
    const { invoice } = await issue(purchaseInput(account.id, { taxInclusive: true, lines: [{ description: 'Starter', quantity: 1, unitAmountMinor: 2500, amountMinor: 2500 }] }), account.key);
    // 25.00 × 19/119 = 3.9916 → 3.99
    expect(invoice).toMatchObject({ tax_inclusive: true, subtotal: 21.01, tax: 3.99, total: 25 });
  });
});

describe('a finalized invoice never changes', () => {
  it('changing the tax rate or the billing profile leaves the invoice, its totals and its PDF bytes unchanged', async () => {
    const account = await createAccount('Frozen SAS');
    await putProfile(account.key, PROFILES.frenchConsumer);
    const { invoice: before } = await issue(purchaseInput(account.id), account.key);
    const bytesBefore = await pdfBytes(before.id, account.key);
    expect(sha256OfBytes(bytesBefore)).toBe(before.pdf_sha256);
    const rowBefore = await invoiceRow(db, before.id);

    const rates = await api('GET', '/v1/admin/tax-rates', { key: 'admin' });
    const fr = rates.body.data.find((r: any) => r.country === 'FR');
    try {
      expect((await api('PUT', '/v1/admin/tax-rates/FR', { key: 'admin', body: { rate: 0.055, name: 'TVA réduite' } })).status).toBe(200);
      await putProfile(account.key, { ...PROFILES.frenchBusiness, legal_name: 'Renamed SARL' });

      const after = await api('GET', `/v1/invoices/${before.id}`, { key: account.key });
      expect(after.body).toEqual(before);
      expect((await pdfBytes(before.id, account.key)).equals(bytesBefore)).toBe(true);
      expect(await invoiceRow(db, before.id)).toEqual(rowBefore);
      // and rendering it again from its frozen row gives the same bytes
      expect((await renderFinalizedInvoice(await invoiceRow(db, before.id) as any)).equals(bytesBefore)).toBe(true);

      // a new invoice picks up the new profile and rate
      const { invoice: next } = await issue(purchaseInput(account.id), account.key);
      expect(next.tax_snapshot).toMatchObject({ rule: 'reverse_charge', buyer: { name: 'Renamed SARL' } });
    } finally {
      await api('PUT', '/v1/admin/tax-rates/FR', { key: 'admin', body: { rate: fr.rate, name: fr.name } });
    }
  });

  it('the database refuses updates and deletes of a finalized invoice and of its PDF', async () => {
    const account = await createAccount('Tamper Co');
    const draft = await createDraft(db, purchaseInput(account.id));
    const finalized = await finalizeInvoice(db, settings, draft.id);
    await ensureInvoicePdf(db, draft.id);

    await expect(db('invoices').where({ id: draft.id }).update({ total_minor: 1 })).rejects.toThrow(/is finalized and cannot be changed; issue a credit note/);
    await expect(db('invoices').where({ id: draft.id }).update({ status: 'draft' })).rejects.toThrow(/is finalized/);
    await expect(db('invoices').where({ id: draft.id }).update({ tax_snapshot: JSON.stringify({}) })).rejects.toThrow(/is finalized/);
    await expect(db('invoices').where({ id: draft.id }).delete()).rejects.toThrow(/is finalized/);
    await expect(db('invoice_documents').where({ invoice_id: draft.id }).update({ sha256: 'x' })).rejects.toThrow(/insert-only/);
    await expect(db('invoice_documents').where({ invoice_id: draft.id }).delete()).rejects.toThrow(/insert-only/);
    await expect(db.raw('truncate invoices cascade')).rejects.toThrow(/cannot be truncated/);
    await expect(db('invoice_number_series').where({ series: finalized.series }).update({ last_seq: db.raw('last_seq + 2') })).rejects.toThrow(/only advances by one/);
    await expect(db('invoice_number_series').where({ series: finalized.series }).delete()).rejects.toThrow(/only advances by one/);
    expect((await invoiceRow(db, draft.id)).total_minor).toBe(finalized.total_minor);

    // a draft has no PDF, and a draft may still be discarded
    const other = await createDraft(db, purchaseInput(account.id));
    await expect(db('invoice_documents').insert({ invoice_id: other.id, content: Buffer.from('x'), sha256: 'x', byte_size: 1 })).rejects.toThrow(/not finalized/);
    expect(await db('invoices').where({ id: other.id }).delete()).toBe(1);
  });
});
