import type { Knex } from 'knex';
import { createDb } from '../../src/db/knex';
import { createDraft, finalizeDraft, finalizeInvoice } from '../../src/invoices/invoices.service';
import { readStackInfo } from '../helpers/stack-info';
import { createAccount, defaultInvoiceSettings, privateSeries, purchaseInput } from '../helpers/invoice-fixtures';

// A pool of 20, like one API process: enough connections for real contention on the counter rows.
let db: Knex;
beforeAll(() => {
  db = createDb(readStackInfo().databaseUrl, 20);
});
afterAll(() => db.destroy());

const seqOf = (number: string) => Number(number.slice(number.lastIndexOf('-') + 1));

function expectGapless(numbers: string[], prefix: string): void {
  expect(numbers.every((n) => n.startsWith(prefix))).toBe(true);
  const seqs = numbers.map(seqOf).sort((a, b) => a - b);
  expect(seqs).toEqual(Array.from({ length: numbers.length }, (_, i) => i + 1));
}

describe('gapless numbering under concurrency', () => {
  it('200 concurrent finalizations over 2 series number each series 1..N with no gap and no duplicate', async () => {
    const settings = defaultInvoiceSettings(privateSeries());
    const account = await createAccount('Numbering Co');
    // the invoice the credit notes correct: number 1 of the invoice series
    const original = await finalizeInvoice(db, settings, (await createDraft(db, purchaseInput(account.id, {
      lines: [{ description: '1000 credits', quantity: 1000, unitAmountMinor: 100, amountMinor: 100_000 }],
    }))).id);

    const invoices = await Promise.all(Array.from({ length: 100 }, () => createDraft(db, purchaseInput(account.id))));
    const creditNotes = await Promise.all(Array.from({ length: 100 }, (_, i) => createDraft(db, purchaseInput(account.id, {
      source: `refund:re_${original.id}_${i}`,
      kind: 'credit_note',
      correctsInvoiceId: original.id,
      lines: [{ description: 'Refund', quantity: 1, unitAmountMinor: 500, amountMinor: 500 }],
    }))));
    const drafts = [...invoices, ...creditNotes].sort(() => Math.random() - 0.5);

    const finalized = await Promise.all(drafts.map((draft) => finalizeInvoice(db, settings, draft.id)));

    const year = new Date().getUTCFullYear();
    const invoiceNumbers = [original, ...finalized.filter((f) => f.kind === 'invoice')].map((f) => f.number!);
    const creditNumbers = finalized.filter((f) => f.kind === 'credit_note').map((f) => f.number!);
    const invoicePrefix = settings.invoiceNumberFormat.replace('{year}', String(year)).replace('{seq:6}', '');
    const creditPrefix = settings.creditNoteNumberFormat.replace('{year}', String(year)).replace('{seq:6}', '');
    expect(invoiceNumbers).toHaveLength(101);
    expect(creditNumbers).toHaveLength(100);
    expectGapless(invoiceNumbers, invoicePrefix);
    expectGapless(creditNumbers, creditPrefix);

    // the database agrees, and the counter rows hold the last number taken
    const stored = await db('invoices').whereIn('id', drafts.map((d) => d.id)).select('number', 'status');
    expect(stored.every((r) => r.status === 'finalized')).toBe(true);
    expect(new Set(stored.map((r) => r.number)).size).toBe(200);
    const counters = await db('invoice_number_series').whereIn('series', [
      settings.invoiceNumberFormat.replace('{year}', String(year)),
      settings.creditNoteNumberFormat.replace('{year}', String(year)),
    ]).orderBy('series');
    expect(counters.map((c) => Number(c.last_seq)).sort((a, b) => a - b)).toEqual([100, 101]);
  });

  it('a finalization that rolls back after taking its number consumes no number', async () => {
    const settings = defaultInvoiceSettings(privateSeries());
    const account = await createAccount('Rollback Co');
    const first = await createDraft(db, purchaseInput(account.id));
    const doomed = await createDraft(db, purchaseInput(account.id));
    const next = await createDraft(db, purchaseInput(account.id));
    expect((await finalizeInvoice(db, settings, first.id)).number).toMatch(/-000001$/);

    let numberTaken: string | null = null;
    await expect(db.transaction(async (trx) => {
      numberTaken = (await finalizeDraft(trx, settings, doomed.id)).number;
      throw new Error('the transaction fails after the number was taken');
    })).rejects.toThrow('the transaction fails after the number was taken');
    expect(numberTaken).toMatch(/-000002$/);
    expect(await db('invoices').where({ id: doomed.id }).first('status', 'number')).toEqual({ status: 'draft', number: null });

    const after = await finalizeInvoice(db, settings, next.id);
    expect(after.number).toBe(numberTaken);
    // and the rolled-back draft, finalized later, simply takes the following number
    expect((await finalizeInvoice(db, settings, doomed.id)).number).toMatch(/-000003$/);
  });

  it('finalizing twice (a retried activity) keeps the first number', async () => {
    const settings = defaultInvoiceSettings(privateSeries());
    const account = await createAccount('Retry Co');
    const draft = await createDraft(db, purchaseInput(account.id));
    const [a, b] = await Promise.all([finalizeInvoice(db, settings, draft.id), finalizeInvoice(db, settings, draft.id)]);
    expect(a.number).toMatch(/-000001$/);
    expect(b.number).toBe(a.number);
    const counter = await db('invoice_number_series').where({ series: a.series }).first();
    expect(Number(counter.last_seq)).toBe(1);
  });
});
