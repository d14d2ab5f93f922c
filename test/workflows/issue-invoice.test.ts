import crypto from 'node:crypto';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { Knex } from 'knex';
import { createActivities } from '../../activities';
import { loadConfig } from '../../src/config/config';
import { createStripe } from '../../src/integrations/stripe/client';
import type { IssueInvoiceInput, IssueInvoiceResult } from '../../workflows/issue-invoice.workflow';
import { api, expectErrorBody } from '../helpers/api';
import { testDb } from '../helpers/db';
import { createAccount, PROFILES, purchaseInput, putProfile } from '../helpers/invoice-fixtures';
import { readStackInfo } from '../helpers/stack-info';

const stack = readStackInfo();
let db: Knex;
let connection: Connection;
let client: Client;

beforeAll(async () => {
  db = testDb();
  connection = await Connection.connect({ address: stack.temporalAddress });
  client = new Client({ connection, namespace: stack.temporalNamespace });
});
afterAll(async () => {
  await connection.close();
  await db.destroy();
});

/** Starts issueInvoice on the stack's worker, as checkout's child workflow would be: id invoice:<source>. */
function runIssueInvoice(input: IssueInvoiceInput): Promise<IssueInvoiceResult> {
  return client.workflow.execute('issueInvoice', { workflowId: `invoice:${input.source}`, taskQueue: stack.taskQueue, args: [input] });
}

async function pdfBytes(id: string, key: string): Promise<Buffer> {
  const response = await fetch(`${stack.apiUrl}/v1/invoices/${id}/pdf`, { headers: { authorization: `Bearer ${key}` } });
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

const sha256 = (bytes: Buffer) => crypto.createHash('sha256').update(bytes).digest('hex');

describe('issueInvoice workflow (id invoice:<source>)', () => {
  it('drafts, finalizes and renders; the invoice is downloadable and the workflow answers its state query', async () => {
    const account = await createAccount('Workflow GmbH');
    await putProfile(account.key, PROFILES.germanConsumer);
    const input = purchaseInput(account.id);
    const result = await runIssueInvoice(input);
    expect(result).toEqual({ invoiceId: expect.stringMatching(/^inv_/), number: expect.stringMatching(/^INV-\d{4}-\d{6}$/), totalMinor: 10710, pdfSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });

    const view = await api('GET', `/v1/admin/workflows/${encodeURIComponent(`invoice:${input.source}`)}`, { key: 'admin' });
    expect(view.body).toMatchObject({ type: 'issueInvoice', status: 'COMPLETED', state: { step: 'done', source: input.source, invoiceId: result.invoiceId, number: result.number } });
    const invoice = await api('GET', `/v1/invoices/${result.invoiceId}`, { key: account.key });
    expect(invoice.body).toMatchObject({ number: result.number, source: input.source, total: 107.1, pdf_sha256: result.pdfSha256, status: 'finalized' });
    expect(sha256(await pdfBytes(result.invoiceId, account.key))).toBe(result.pdfSha256);
  });

  it('is idempotent by source: running it again returns the same invoice and writes nothing', async () => {
    const account = await createAccount('Twice Ltd');
    const input = purchaseInput(account.id);
    const first = await runIssueInvoice(input);
    const counter = await db('invoice_number_series').where({ series: (await db('invoices').where({ id: first.invoiceId }).first()).series }).first();
    const again = await runIssueInvoice(input); // a new run of the same workflow id
    expect(again).toEqual(first);
    expect(await db('invoices').where({ source: input.source }).count({ n: '*' })).toEqual([{ n: '1' }]);
    expect((await db('invoice_number_series').where({ series: counter.series }).first()).last_seq).toBe(counter.last_seq);
  });

  it('fails without retrying when the same source comes with a different request, or the request is invalid', async () => {
    const account = await createAccount('Conflict Ltd');
    const input = purchaseInput(account.id);
    await runIssueInvoice(input);
    const different = { ...input, lines: [{ description: 'Other', quantity: 1, unitAmountMinor: 1, amountMinor: 1 }] };
    const conflict = await runIssueInvoice(different).catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(WorkflowFailedError);
    expect((conflict as WorkflowFailedError).cause).toMatchObject({ type: 'idempotency_conflict', nonRetryable: true });

    const invalid = purchaseInput(account.id, { lines: [{ description: 'Bad', quantity: 2, unitAmountMinor: 100, amountMinor: 150 }] });
    const failure = await runIssueInvoice(invalid).catch((e: unknown) => e);
    expect((failure as WorkflowFailedError).cause).toMatchObject({ type: 'validation_failed', message: expect.stringContaining('lines.0.amountMinor') });
    expect(await db('invoices').where({ source: invalid.source }).first()).toBeUndefined();
  });

  it('issues a credit note in its own series, on the tax treatment frozen on the invoice', async () => {
    const account = await createAccount('Refunded SAS');
    await putProfile(account.key, PROFILES.frenchConsumer);
    const invoice = await runIssueInvoice(purchaseInput(account.id));
    const rates = await api('GET', '/v1/admin/tax-rates', { key: 'admin' });
    const fr = rates.body.data.find((r: any) => r.country === 'FR');
    try {
      await api('PUT', '/v1/admin/tax-rates/FR', { key: 'admin', body: { rate: 0.1, name: 'VAT' } });
      const refund = await runIssueInvoice(purchaseInput(account.id, {
        source: `refund:re_${crypto.randomBytes(6).toString('hex')}`,
        kind: 'credit_note',
        correctsInvoiceId: invoice.invoiceId,
        lines: [{ description: 'Refund of 50 credits', quantity: 1, unitAmountMinor: 4500, amountMinor: 4500 }],
      }));
      expect(refund.number).toMatch(/^CN-\d{4}-\d{6}$/);
      const note = await api('GET', `/v1/invoices/${refund.invoiceId}`, { key: account.key });
      expect(note.body).toMatchObject({
        kind: 'credit_note', corrects_invoice_id: invoice.invoiceId, subtotal: 45, tax: 9, total: 54,
        tax_snapshot: { rule: 'eu_consumer', rate: 0.2, corrects_invoice_number: invoice.number },
      });
      const over = await runIssueInvoice(purchaseInput(account.id, {
        source: `refund:re_${crypto.randomBytes(6).toString('hex')}`,
        kind: 'credit_note',
        correctsInvoiceId: invoice.invoiceId,
        lines: [{ description: 'Too much', quantity: 1, unitAmountMinor: 4501, amountMinor: 4501 }],
      })).catch((e: unknown) => e);
      expect((over as WorkflowFailedError).cause).toMatchObject({ type: 'credit_exceeds_invoice', nonRetryable: true });
    } finally {
      await api('PUT', '/v1/admin/tax-rates/FR', { key: 'admin', body: { rate: fr.rate, name: fr.name } });
    }
  });

  it('runs as a child workflow of a parent through issueInvoiceAsChild (how checkoutToCredit calls it)', async () => {
    const config = loadConfig({}, 'embedded');
    const taskQueue = `invoice-parent-test-${crypto.randomBytes(4).toString('hex')}`;
    const workerConnection = await NativeConnection.connect({ address: stack.temporalAddress });
    const worker = await Worker.create({
      connection: workerConnection,
      namespace: stack.temporalNamespace,
      taskQueue,
      workflowsPath: require.resolve('./invoice-parent.workflows'),
      activities: createActivities({ config, db, stripe: createStripe({ apiBase: stack.stripeApiBase }) }),
    });
    const account = await createAccount('Child Co');
    const input = purchaseInput(account.id);
    try {
      const result = await worker.runUntil(client.workflow.execute('invoiceParentForTest', {
        workflowId: `test-parent:${input.source}`,
        taskQueue,
        args: [input],
      }));
      expect(result.number).toMatch(/^INV-/);
      const child = await client.workflow.getHandle(`invoice:${input.source}`).describe();
      expect(child.type).toBe('issueInvoice');
      expect(child.status.name).toBe('COMPLETED');
    } finally {
      await workerConnection.close();
    }
  }, 120_000);
});

describe('POST /v1/admin/invoices/:id/void', () => {
  it('issues a credit note for the whole invoice once; a second void is a 409', async () => {
    const account = await createAccount('Void GmbH');
    await putProfile(account.key, PROFILES.germanConsumer);
    const invoice = await runIssueInvoice(purchaseInput(account.id, {
      lines: [
        { description: 'Pro package', quantity: 1, unitAmountMinor: 9000, amountMinor: 9000 },
        { description: 'Starter package', quantity: 2, unitAmountMinor: 2500, amountMinor: 5000 },
      ],
    }));
    const voided = await api('POST', `/v1/admin/invoices/${invoice.invoiceId}/void`, { key: 'admin' });
    expect(voided.status).toBe(201);
    const original = (await api('GET', `/v1/invoices/${invoice.invoiceId}`, { key: 'admin' })).body;
    expect(voided.body).toMatchObject({
      kind: 'credit_note', status: 'finalized', source: `void:${invoice.invoiceId}`, corrects_invoice_id: invoice.invoiceId,
      lines: original.lines, subtotal: original.subtotal, tax: original.tax, total: original.total,
      tax_snapshot: { corrects_invoice_number: invoice.number, rule: original.tax_snapshot.rule },
    });
    expect(voided.body.number).toMatch(/^CN-\d{4}-\d{6}$/);
    expect(voided.body.pdf_sha256).toMatch(/^[0-9a-f]{64}$/);
    const workflow = await api('GET', `/v1/admin/workflows/${encodeURIComponent(`invoice:void:${invoice.invoiceId}`)}`, { key: 'admin' });
    expect(workflow.body).toMatchObject({ type: 'issueInvoice', status: 'COMPLETED' });

    const again = await api('POST', `/v1/admin/invoices/${invoice.invoiceId}/void`, { key: 'admin' });
    expectErrorBody(again, 409, 'conflict');
    expect(again.body.error.details.credit_note_id).toBe(voided.body.id);
    expectErrorBody(await api('POST', `/v1/admin/invoices/${voided.body.id}/void`, { key: 'admin' }), 409, 'conflict');
    // the original is untouched
    expect((await api('GET', `/v1/invoices/${invoice.invoiceId}`, { key: 'admin' })).body).toEqual(original);
  });

  it('refuses a partly refunded invoice, unknown ids and non-admin keys', async () => {
    const account = await createAccount('Partial Ltd');
    const invoice = await runIssueInvoice(purchaseInput(account.id));
    await runIssueInvoice(purchaseInput(account.id, {
      source: `refund:re_${crypto.randomBytes(6).toString('hex')}`, kind: 'credit_note', correctsInvoiceId: invoice.invoiceId,
      lines: [{ description: 'Partial refund', quantity: 1, unitAmountMinor: 1000, amountMinor: 1000 }],
    }));
    expectErrorBody(await api('POST', `/v1/admin/invoices/${invoice.invoiceId}/void`, { key: 'admin' }), 409, 'conflict');
    expectErrorBody(await api('POST', '/v1/admin/invoices/inv_doesnotexist/void', { key: 'admin' }), 404, 'not_found');
    expectErrorBody(await api('POST', '/v1/admin/invoices/bogus/void', { key: 'admin' }), 400, 'validation_failed');
    expectErrorBody(await api('POST', `/v1/admin/invoices/${invoice.invoiceId}/void`, { key: account.key }), 403, 'forbidden');
  });
});
