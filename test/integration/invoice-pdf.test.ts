import type { Knex } from 'knex';
import { ensureInvoicePdf, renderFinalizedInvoice, sha256OfBytes } from '../../src/invoices/invoice-pdf.service';
import { createDraft, finalizeInvoice } from '../../src/invoices/invoices.service';
import { testDb } from '../helpers/db';
import { createAccount, defaultInvoiceSettings, invoiceRow, purchaseInput, putProfile } from '../helpers/invoice-fixtures';
import { extractPdfText } from '../helpers/pdf-text';

let db: Knex;
beforeAll(() => {
  db = testDb();
});
afterAll(() => db.destroy());

describe('invoice PDF', () => {
  it('is deterministic: the same invoice renders byte-identical, whatever the time zone or the hour', async () => {
    const account = await createAccount('Deterministic BV');
    await putProfile(account.key, { legal_name: 'Deterministic BV', email: 'a@b.nl', address: { line1: 'Damrak 1', city: 'Amsterdam', postal_code: '1012 LG', country: 'NL' }, tax_id: 'NL123456789B01' });
    const draft = await createDraft(db, purchaseInput(account.id));
    const invoice = await finalizeInvoice(db, defaultInvoiceSettings(), draft.id);
    const stored = await ensureInvoicePdf(db, draft.id);
    const first = await renderFinalizedInvoice(await invoiceRow(db, draft.id) as any);
    const tz = process.env.TZ;
    try {
      process.env.TZ = 'Pacific/Auckland';
      await new Promise((r) => setTimeout(r, 1100)); // another second on the clock, too
      const second = await renderFinalizedInvoice(await invoiceRow(db, draft.id) as any);
      expect(second.equals(first)).toBe(true);
    } finally {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
    expect(stored.content.equals(first)).toBe(true);
    expect(stored.sha256).toBe(sha256OfBytes(first));
    expect(stored.byte_size).toBe(first.length);
    // the PDF's own dates are the issue date
    const isoDate = invoice.issued_at!.toISOString();
    const pdfDate = `D:${isoDate.slice(0, 4)}${isoDate.slice(5, 7)}${isoDate.slice(8, 10)}${isoDate.slice(11, 13)}${isoDate.slice(14, 16)}${isoDate.slice(17, 19)}Z`;
    expect(first.toString('latin1').match(/\(D:\d{14}Z\)/g)).toEqual([`(${pdfDate})`, `(${pdfDate})`]); // CreationDate, ModDate
    // a second ensureInvoicePdf keeps the stored bytes
    expect((await ensureInvoicePdf(db, draft.id)).created_at).toEqual(stored.created_at);
  });

  it('shows seller and buyer blocks, number, dates, every line over several pages, tax line with note, totals and payment reference', async () => {
    const account = await createAccount('Many Lines GmbH');
    await putProfile(account.key, { legal_name: 'Many Lines GmbH', email: 'ap@many.example', address: { line1: 'Ring 9', city: 'Wien', postal_code: '1010', country: 'AT' } });
    const lines = Array.from({ length: 90 }, (_, i) => ({ description: `Usage of tool stripe.customers.create, day ${i + 1}`, quantity: i + 1, unitAmountMinor: 7, amountMinor: 7 * (i + 1) }));
    lines.push({ description: 'Model usage: 日本語 tokens', quantity: 1, unitAmountMinor: 100, amountMinor: 100 });
    const draft = await createDraft(db, purchaseInput(account.id, { source: `period:${account.id}:2026-10`, lines, paymentReference: 'period 2026-10' }));
    const invoice = await finalizeInvoice(db, defaultInvoiceSettings(), draft.id);
    const { content } = await ensureInvoicePdf(db, draft.id);
    const { text, pages } = await extractPdfText(content);
    expect(pages).toBeGreaterThan(1);
    // 7 × (1 + … + 90) + 100 = 28,765 → 287.65; Austrian VAT 20 % = 57.53; total 345.18
    expect(invoice).toMatchObject({ subtotal_minor: '28765', tax_minor: '5753', total_minor: '34518' });
    for (const expected of [
      'INVOICE', invoice.number!, 'Date of issue', invoice.issued_at!.toISOString().slice(0, 10), 'Payment reference', 'period 2026-10',
      'FROM', 'Example Seller GmbH', 'VAT ID: DE000000000', 'BILL TO', 'Many Lines GmbH', '1010 Wien', 'Austria',
      'Usage of tool stripe.customers.create, day 1', 'Usage of tool stripe.customers.create, day 90', 'Model usage: ??? tokens',
      `${invoice.number} (continued)`, 'VAT 20% (AT)', '57.53 EUR', '287.65 EUR', 'Tax treatment: eu_consumer',
      "VAT charged at the rate of Austria (20%), the customer's place of supply",
    ]) {
      expect(text).toContain(expected);
    }
    expect(text).toMatch(/Total\s+345\.18 EUR/);
  });

  it('prints Latin scripts with diacritics, Greek and Cyrillic as written, and what the font lacks (CJK, Thai) as ?', async () => {
    const account = await createAccount('Łódź Analityka');
    await putProfile(account.key, { legal_name: 'Łódź Analityka Sp. z o.o.', email: 'ap@lodz.example', address: { line1: 'ul. Piotrkowska 104, Śródmieście', city: 'Łódź', postal_code: '90-001', country: 'PL' } });
    const lines = [
      { description: 'Υπηρεσίες API (Αθήνα)', quantity: 1, unitAmountMinor: 1000, amountMinor: 1000 },
      { description: 'Поддержка: Москва → Київ', quantity: 2, unitAmountMinor: 500, amountMinor: 1000 },
      { description: 'Tokens 日本語 / ไทย', quantity: 1, unitAmountMinor: 100, amountMinor: 100 },
    ];
    const draft = await createDraft(db, purchaseInput(account.id, { lines }));
    await finalizeInvoice(db, defaultInvoiceSettings(), draft.id);
    const { text } = await extractPdfText((await ensureInvoicePdf(db, draft.id)).content);
    for (const expected of ['Łódź Analityka Sp. z o.o.', 'ul. Piotrkowska 104, Śródmieście', '90-001 Łódź', 'Υπηρεσίες API (Αθήνα)', 'Поддержка: Москва → Київ', 'Tokens ??? / ???']) {
      expect(text).toContain(expected);
    }
  });

  it('labels a credit note and names the invoice it corrects', async () => {
    const account = await createAccount('Credited Oy');
    const settings = defaultInvoiceSettings();
    const original = await finalizeInvoice(db, settings, (await createDraft(db, purchaseInput(account.id))).id);
    const note = await finalizeInvoice(db, settings, (await createDraft(db, purchaseInput(account.id, {
      source: `refund:re_${original.id}`, kind: 'credit_note', correctsInvoiceId: original.id,
      lines: [{ description: 'Refund of unused credits', quantity: 1, unitAmountMinor: 4000, amountMinor: 4000 }],
    }))).id);
    const { text } = await extractPdfText((await ensureInvoicePdf(db, note.id)).content);
    for (const expected of ['CREDIT NOTE', note.number!, 'Corrects invoice', original.number!, `This credit note corrects invoice ${original.number}`, 'Refund of unused credits']) {
      expect(text).toContain(expected);
    }
    expect(text).toMatch(/Total credited\s+47\.60 EUR/);
  });
});
