import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { api } from '../helpers/api';
import { testDb } from '../helpers/db';
import { settle } from '../helpers/settle-cli';
import { createTestAccount, waitFor, waitForOrder } from '../helpers/stripe-checkout';

/** `settle accounts list|show` and `settle invoices list|pdf` against the stack's admin API. */
const db = testDb();
afterAll(() => db.destroy());

describe('settle accounts', () => {
  it('lists accounts matching a search, and shows one with its keys', async () => {
    const tag = crypto.randomUUID().slice(0, 8);
    const account = await createTestAccount(`Cli Co ${tag}`, 'pro');
    const list = await settle('accounts', 'list', '--query', tag);
    expect(list.code).toBe(0);
    expect(list.out[0]).toMatch(/^ID\s+NAME\s+EMAIL\s+PLAN\s+BALANCE\s+SUBSCRIPTION\s+CREATED$/);
    expect(list.out[2]).toMatch(new RegExp(`^${account.id}\\s+Cli Co ${tag}\\s+-\\s+pro\\s+10000\\s+-\\s+\\d{4}-\\d{2}-\\d{2}$`));
    expect(list.out.at(-1)).toBe('1 of 1 account(s)');

    const json = await settle('accounts', 'list', '--query', tag, '--json');
    expect(JSON.parse(json.out.join('\n'))).toMatchObject({ data: [{ id: account.id, plan: 'pro' }], meta: { total: 1 } });

    const show = await settle('accounts', 'show', account.id);
    expect(show.code).toBe(0);
    const text = show.out.join('\n');
    expect(text).toContain(`Cli Co ${tag} (${account.id})`);
    expect(text).toContain('balance        10000 credits (100 USD); held 0, available 10000');
    expect(text).toContain('used 0 of 10000 included, overage 0');
    expect(text).toMatch(/key_[a-z0-9]+\s+sk_settle_\S+…\s+\S+\s+active/);
    expect(text).not.toContain(account.apiKey);
  });

  it('fails with the API error for an unknown account', async () => {
    const show = await settle('accounts', 'show', 'acct_doesnotexist');
    expect(show.code).toBe(1);
    expect(show.err.join('\n')).toContain('404 not_found');
  });
});

describe('settle invoices', () => {
  it('lists an account’s invoices and downloads a PDF matching its SHA-256', async () => {
    const account = await createTestAccount('Invoice Cli Co');
    const purchase = (await api('POST', '/v1/credits/purchase', { key: account.apiKey, body: { package_id: 'starter' } })).body;
    expect((await settle('dev', 'pay', purchase.purchase_id)).code).toBe(0);
    const order = await waitForOrder(db, purchase.purchase_id, 'fulfilled');
    const invoiceId = order.invoice_id ?? (await waitFor('the purchase invoice', async () => (await db('payment_orders').where({ id: purchase.purchase_id }).first()).invoice_id));
    const invoice = await waitFor('the invoice PDF', async () => {
      const body = (await api('GET', `/v1/invoices/${invoiceId}`, { key: 'admin' })).body;
      return body.number ? body : null;
    });

    const list = await settle('invoices', 'list', '--account', account.id);
    expect(list.code).toBe(0);
    expect(list.out[0]).toMatch(/^NUMBER\s+ID\s+KIND\s+ACCOUNT\s+ISSUED\s+TOTAL\s+STATUS\s+SOURCE$/);
    expect(list.out[2]).toMatch(new RegExp(`^${invoice.number}\\s+${invoiceId}\\s+invoice\\s+${account.id}\\s+\\d{4}-\\d{2}-\\d{2}\\s+25\\.00 USD\\s+paid\\s+purchase:${purchase.purchase_id}$`));

    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'settle-pdf-')), 'invoice.pdf');
    const pdf = await settle('invoices', 'pdf', invoiceId, '--out', out);
    expect(pdf.err).toEqual([]);
    expect(pdf.code).toBe(0);
    const bytes = fs.readFileSync(out);
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    const sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
    expect(pdf.out).toEqual([`${out} (${bytes.length} bytes, sha256 ${sha256})`]);
    const stored = (await api('GET', `/v1/invoices/${invoiceId}`, { key: 'admin' })).body.pdf_sha256;
    expect(sha256).toBe(stored);
  });
});
