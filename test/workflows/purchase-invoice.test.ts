import { api } from '../helpers/api';
import { testDb } from '../helpers/db';
import { extractPdfText } from '../helpers/pdf-text';
import { chargeRefundedEvent, checkoutSessionEvent, newPaymentIntentId, postWebhook } from '../helpers/stripe-events';
import { createTestAccount, purchaseCredits, toMinor, waitFor, waitForOrder } from '../helpers/stripe-checkout';
import { expectLedgerInvariants } from '../helpers/ledger-invariants';
import { readStackInfo } from '../helpers/stack-info';

/** Checkout, invoices and payouts together: what one purchase and its refund leave behind. */
const db = testDb();
afterAll(() => db.destroy());

describe('a purchase through a signed webhook', () => {
  it('ends with its invoice downloadable; its refund with a credit note and reversed publisher earnings', async () => {
    const account = await createTestAccount('Invoice Buyer');
    const purchase = await purchaseCredits(account, 2500);
    const paymentIntent = newPaymentIntentId();
    await postWebhook(checkoutSessionEvent('checkout.session.completed', { purchaseId: purchase.purchase_id, amountTotal: toMinor(purchase.amount_due), paymentIntent }));
    await waitForOrder(db, purchase.purchase_id, 'fulfilled');

    const order = await waitFor('the purchase invoice', async () => db('payment_orders').where({ id: purchase.purchase_id }).whereNotNull('invoice_id').first());
    const view = await api('GET', `/v1/billing/credits/purchases/${purchase.purchase_id}`, { key: account.apiKey });
    expect(view.body.invoice_id).toBe(order.invoice_id);
    const invoice = await api('GET', `/v1/invoices/${order.invoice_id}`, { key: account.apiKey });
    expect(invoice.body).toMatchObject({ kind: 'invoice', status: 'finalized', source: `purchase:${purchase.purchase_id}`, total: 25, currency: 'usd' });
    expect(invoice.body.number).toMatch(/^INV-\d{4}-\d{6}$/);

    const pdf = await fetch(`${readStackInfo().apiUrl}/v1/invoices/${order.invoice_id}/pdf`, { headers: { authorization: `Bearer ${account.apiKey}` } });
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    const { text } = await extractPdfText(Buffer.from(await pdf.arrayBuffer()));
    expect(text).toContain(invoice.body.number);
    expect(text).toContain('25.00');

    // a publisher earned from these credits; the refund takes its share back
    const publisher = await api('POST', '/v1/admin/publishers', { key: 'admin', body: { name: 'Refunded Tools' } });
    const tool = `refund.tool.${Date.now()}`;
    await api('PUT', `/v1/admin/tools/${tool}`, { key: 'admin', body: { credits_per_execution: 200, publisher_id: publisher.body.id } });
    expect((await api('POST', '/v1/usage', { key: account.apiKey, body: { items: [{ type: 'tool', tool, quantity: 2 }] } })).status).toBe(201); // 100 included + 300 purchased
    const earned = await db('publisher_accruals').where({ publisher_id: publisher.body.id, kind: 'usage' });
    expect(earned).toHaveLength(1);

    const requested = await api('POST', `/v1/admin/purchases/${purchase.purchase_id}/refund`, { key: 'admin' });
    expect(requested.status).toBe(202);
    await postWebhook(
      chargeRefundedEvent({
        paymentIntent,
        amount: toMinor(purchase.amount_due),
        refunds: [{ amount: toMinor(purchase.amount_due), metadata: { refund_id: requested.body.refund_id, purchase_id: purchase.purchase_id } }],
      }),
    );
    const creditNote = await waitFor('the credit note', async () => db('invoices').where({ source: `refund:${requested.body.refund_id}`, status: 'finalized' }).first());
    expect(creditNote).toMatchObject({ kind: 'credit_note', status: 'finalized', corrects_invoice_id: order.invoice_id, account_id: account.id });
    const reversals = await db('publisher_accruals').where({ publisher_id: publisher.body.id, kind: 'reversal' });
    expect(reversals).toHaveLength(1);
    expect(BigInt(reversals[0].credits)).toBeLessThan(0n);
    await expectLedgerInvariants(db, account.id);
  });
});
