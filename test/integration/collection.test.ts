import crypto from 'node:crypto';
import { pairPeriodInvoice, recordStripeInvoice } from '../../src/subscriptions/collection.service';
import { parseStripeInvoice } from '../../src/subscriptions/stripe-invoice';
import { monthEndClose } from '../../workflows/month-end-close.workflow';
import { api } from '../helpers/api';
import { accountIn, privatePeriod, startCloseWorld, type CloseWorld } from '../helpers/close-world';
import { testDb } from '../helpers/db';
import { settle } from '../helpers/settle-cli';

/**
 * Collection agrees with Settle's invoice: Stripe's invoice of an account and month pays Settle's
 * period invoice of that month, and any difference in amounts is listed for finance ops. Settle's
 * invoices are issued by a real close of a private month; Stripe's arrive as the invoice objects
 * of `invoice.paid` / `invoice.payment_failed`, parsed as the webhook handler parses them.
 */
const db = testDb();
let world: CloseWorld;
beforeAll(async () => {
  world = await startCloseWorld(db);
}, 60000);
afterAll(async () => {
  await world.close();
  await db.destroy();
});

const runClose = async (period: string) => {
  const result = await world.client.workflow.execute(monthEndClose, { workflowId: `close:${period}:${Date.now()}`, taskQueue: world.taskQueue, args: [{ period }] });
  expect(result).toMatchObject({ status: 'completed', failures: [] });
};

const rand = () => crypto.randomBytes(10).toString('hex');
const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

interface InvoiceOptions {
  account: { id: string; customer: string };
  period: { start: Date; end: Date };
  totalMinor: number;
  taxMinor: number;
  paid: boolean;
  id?: string;
  currency?: string;
  billingReason?: string;
  /** basil (2025-03-31+): subscription under parent.subscription_details, tax in total_taxes; legacy: top-level subscription and tax */
  shape?: 'basil' | 'legacy';
}

/** A Stripe invoice object as the webhook carries it (only what the tests read is typed). */
type StripeInvoiceObject = Record<string, any> & { id: string; total: number };

/** Stripe's renewal invoice on the 1st: the fee of the new month, the overage of the month that ended. */
function stripeInvoiceObject(options: InvoiceOptions): StripeInvoiceObject {
  const subscription = `sub_test${rand()}`;
  const metadata = { account_id: options.account.id };
  const subtotal = options.totalMinor - options.taxMinor;
  const common = {
    id: options.id ?? `in_test${rand()}`,
    object: 'invoice',
    status: options.paid ? 'paid' : 'open',
    customer: options.account.customer,
    currency: options.currency ?? 'usd',
    subtotal,
    total: options.totalMinor,
    amount_due: options.totalMinor,
    amount_paid: options.paid ? options.totalMinor : 0,
    amount_remaining: options.paid ? 0 : options.totalMinor,
    billing_reason: options.billingReason ?? 'subscription_cycle',
    collection_method: 'charge_automatically',
    period_start: seconds(options.period.start),
    period_end: seconds(options.period.end),
    created: seconds(options.period.end) + 3600,
    livemode: false,
    status_transitions: { finalized_at: seconds(options.period.end) + 3600, paid_at: options.paid ? seconds(options.period.end) + 3700 : null },
    lines: { object: 'list', data: [{ id: `il_test${rand()}`, object: 'line_item', amount: subtotal, currency: options.currency ?? 'usd', description: '1 × Pro (at $49.00 / month)' }], has_more: false },
  };
  if (options.shape === 'legacy') {
    return { ...common, subscription, subscription_details: { metadata }, tax: options.taxMinor, total_tax_amounts: [{ amount: options.taxMinor, inclusive: false, tax_rate: 'txr_test' }] };
  }
  return {
    ...common,
    parent: { type: 'subscription_details', quote_details: null, subscription_details: { metadata, subscription } },
    total_taxes: options.taxMinor ? [{ amount: options.taxMinor, tax_behavior: 'exclusive', taxability_reason: 'standard_rated', taxable_amount: subtotal, type: 'tax_rate_details', tax_rate_details: { tax_rate: 'txr_test' } }] : [],
  };
}

function factsOf(object: StripeInvoiceObject) {
  const facts = parseStripeInvoice(object);
  if (!facts) throw new Error('the Stripe invoice did not parse');
  return facts;
}

async function periodInvoiceOf(account: { id: string; key: string }, period: string) {
  const list = await api('GET', `/v1/invoices?source=${encodeURIComponent(`period:${account.id}:${period}`)}`, { key: account.key });
  expect(list.status).toBe(200);
  expect(list.body.data).toHaveLength(1);
  const invoice = list.body.data[0];
  const row = await db('invoices').where({ id: invoice.id }).first();
  return { view: invoice, totalMinor: Number(row.total_minor), taxMinor: Number(row.tax_minor) };
}

const invoiceView = async (account: { key: string }, id: string) => (await api('GET', `/v1/invoices/${id}`, { key: account.key })).body;

const mismatchesOf = async (accountId: string) => {
  const response = await api('GET', `/v1/admin/billing-mismatches?account_id=${accountId}`, { key: 'admin' });
  expect(response.status).toBe(200);
  return response.body;
};

/** Everything collection writes for an account, every column: a replay must leave it as it was. */
const collectionRows = async (accountId: string) => ({
  stripe: await db('stripe_invoices').where({ account_id: accountId }).orderBy('id'),
  payments: await db('invoice_payments').whereIn('invoice_id', db('invoices').where({ account_id: accountId }).select('id')).orderBy('invoice_id'),
  mismatches: await db('billing_mismatches').where({ account_id: accountId }).orderBy('id'),
});

describe('collection: Stripe invoices pay Settle’s period invoices', () => {
  it('a paid Stripe invoice of the same total marks the period invoice paid, with no mismatch; replays write nothing', async () => {
    const period = await privatePeriod(db);
    const account = await accountIn(period, 'pro');
    await runClose(period.key);
    const settleInvoice = await periodInvoiceOf(account, period.key);
    expect(settleInvoice.view).toMatchObject({ status: 'finalized', payment_status: 'open' });
    expect(settleInvoice.taxMinor).toBeGreaterThan(0); // Pro's fee with VAT: Stripe must charge the tax too

    const object = stripeInvoiceObject({ account, period, totalMinor: settleInvoice.totalMinor, taxMinor: settleInvoice.taxMinor, paid: true });
    const facts = factsOf(object);
    expect(facts).toMatchObject({ subscriptionId: object.parent.subscription_details.subscription, accountId: account.id, taxMinor: BigInt(settleInvoice.taxMinor) });
    expect(await recordStripeInvoice(db, account.id, facts, 'paid')).toBe('paired');

    expect(await invoiceView(account, settleInvoice.view.id)).toMatchObject({ payment_status: 'paid', payment_reference: object.id, total: settleInvoice.view.total });
    expect(await mismatchesOf(account.id)).toEqual({ data: [], meta: { total: 0, limit: 20, offset: 0 } });
    const cli = await settle('billing', 'mismatches', '--account', account.id);
    expect(cli).toEqual({ code: 0, out: ['No billing mismatches: every Stripe invoice charged what Settle invoiced.'], err: [] });

    // the same event again, a late failure of the same invoice, the pairing from the close's side, the close again
    const before = await collectionRows(account.id);
    expect(before.stripe).toHaveLength(1);
    expect(await recordStripeInvoice(db, account.id, factsOf(object), 'paid')).toBe('paired');
    expect(await recordStripeInvoice(db, account.id, factsOf({ ...object, status: 'open', amount_paid: 0 }), 'payment_failed')).toBe('paired');
    await pairPeriodInvoice(db, account.id, period.key);
    await runClose(period.key);
    expect(await collectionRows(account.id)).toEqual(before);
    expect(await invoiceView(account, settleInvoice.view.id)).toMatchObject({ payment_status: 'paid', payment_reference: object.id });
  });

  it('a different total is listed with both amounts and the reasons, over the API and the CLI (older invoice shape)', async () => {
    const period = await privatePeriod(db);
    const account = await accountIn(period, 'pro');
    await runClose(period.key);
    const settleInvoice = await periodInvoiceOf(account, period.key);
    // Stripe charged the fee without tax: the subscription carried no tax rate
    const net = settleInvoice.totalMinor - settleInvoice.taxMinor;
    const object = stripeInvoiceObject({ account, period, totalMinor: net, taxMinor: 0, paid: true, shape: 'legacy' });
    const facts = factsOf(object);
    expect(facts).toMatchObject({ subscriptionId: object.subscription, accountId: account.id, totalMinor: BigInt(net), taxMinor: 0n });
    expect(await recordStripeInvoice(db, account.id, facts, 'paid')).toBe('paired');

    // the money came in: the invoice is paid, and the difference is for finance ops
    expect(await invoiceView(account, settleInvoice.view.id)).toMatchObject({ payment_status: 'paid', payment_reference: object.id });
    const listed = await mismatchesOf(account.id);
    const expected = {
      id: expect.stringMatching(/^bmm_[0-9a-f]+$/),
      account_id: account.id,
      period: period.key,
      currency: 'usd',
      settle_invoice_id: settleInvoice.view.id,
      settle_total: settleInvoice.view.total,
      settle_tax: settleInvoice.view.tax,
      stripe_invoice_id: object.id,
      stripe_currency: 'usd',
      stripe_total: net / 100,
      stripe_tax: 0,
      reasons: ['total_differs', 'tax_differs'],
      detected_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      resolved_at: null,
    };
    expect(listed).toEqual({ data: [expected], meta: { total: 1, limit: 20, offset: 0 } });
    const byPeriod = await api('GET', `/v1/admin/billing-mismatches?period=${period.key}&limit=5`, { key: 'admin' });
    expect(byPeriod.body.data.map((m: { id: string }) => m.id)).toEqual([listed.data[0].id]);
    expect((await api('GET', '/v1/admin/billing-mismatches', { key: account.key })).status).toBe(403);

    // replayed: still one row, unchanged
    const before = await collectionRows(account.id);
    expect(await recordStripeInvoice(db, account.id, factsOf(object), 'paid')).toBe('paired');
    expect(await collectionRows(account.id)).toEqual(before);

    const cli = await settle('billing', 'mismatches', '--account', account.id);
    expect(cli.code).toBe(0);
    expect(cli.err).toEqual([]);
    expect(cli.out[0]).toMatch(/^ID\s+ACCOUNT\s+PERIOD\s+SETTLE INVOICE\s+SETTLE TOTAL \(TAX\)\s+STRIPE INVOICE\s+STRIPE TOTAL \(TAX\)\s+REASONS\s+DETECTED$/);
    const money = (minor: number) => `${(minor / 100).toFixed(2)} USD`;
    const row = cli.out[2]!;
    for (const cell of [listed.data[0].id, account.id, period.key, settleInvoice.view.id, object.id, 'total_differs, tax_differs']) expect(row).toContain(cell);
    expect(row).toContain(`${money(settleInvoice.totalMinor)} (${money(settleInvoice.taxMinor)})`);
    expect(row).toContain(`${money(net)} (0.00 USD)`);
    expect(cli.out.at(-1)).toBe('1 of 1 billing mismatch(es)');
    const json = await settle('billing', 'mismatches', '--account', account.id, '--json');
    expect(JSON.parse(json.out.join('\n'))).toEqual({ ...listed, meta: { ...listed.meta, limit: 50 } });
  });

  it('Stripe’s invoice first (failed, then paid), the close afterwards: the close pairs them; zero totals and accounts without Stripe stay apart', async () => {
    const period = await privatePeriod(db);
    const account = await accountIn(period, 'pro');
    const withoutStripe = await accountIn(period, 'pro');
    // Pro's fee of 49.00 with the seller's VAT, as Settle will invoice it
    const taxMinor = 931;
    const failed = stripeInvoiceObject({ account, period, totalMinor: 4900 + taxMinor, taxMinor, paid: false });
    expect(await recordStripeInvoice(db, account.id, factsOf(failed), 'payment_failed')).toBe('recorded');
    // a trial's invoice of 0 in the same month: recorded, never compared
    const trial = stripeInvoiceObject({ account, period, totalMinor: 0, taxMinor: 0, paid: true, billingReason: 'subscription_create' });
    expect(await recordStripeInvoice(db, account.id, factsOf(trial), 'paid')).toBe('recorded');

    await runClose(period.key);
    const settleInvoice = await periodInvoiceOf(account, period.key);
    expect([settleInvoice.totalMinor, settleInvoice.taxMinor]).toEqual([4900 + taxMinor, taxMinor]);
    expect(settleInvoice.view).toMatchObject({ payment_status: 'payment_failed', payment_reference: failed.id });
    const stored = await db('stripe_invoices').where({ account_id: account.id }).orderBy('total_minor');
    expect(stored.map((r: any) => [r.id, r.period, r.status, r.settle_invoice_id])).toEqual([
      [trial.id, period.key, 'paid', null],
      [failed.id, period.key, 'payment_failed', settleInvoice.view.id],
    ]);

    // the retry succeeds: paid; a failure delivered late does not undo it
    const paid = { ...failed, status: 'paid', amount_paid: failed.total, amount_remaining: 0 };
    expect(await recordStripeInvoice(db, account.id, factsOf(paid), 'paid')).toBe('paired');
    expect(await recordStripeInvoice(db, account.id, factsOf(failed), 'payment_failed')).toBe('paired');
    expect(await invoiceView(account, settleInvoice.view.id)).toMatchObject({ payment_status: 'paid', payment_reference: failed.id });
    expect(await db('stripe_invoices').where({ id: failed.id }).first()).toMatchObject({ status: 'paid', stripe_status: 'paid', amount_paid_minor: String(failed.total) });
    expect((await mismatchesOf(account.id)).meta.total).toBe(0);

    // an account Stripe does not bill keeps today's flow: its invoice is open, with its own reference
    const other = await periodInvoiceOf(withoutStripe, period.key);
    const otherRow = await db('invoices').where({ id: other.view.id }).first();
    expect(other.view).toMatchObject({ payment_status: 'open', payment_reference: otherRow.payment_reference });
    expect(await db('stripe_invoices').where({ account_id: withoutStripe.id })).toEqual([]);
  });
});
