import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { currencyExponent } from '../invoices/compute/money';
import { CliError, createApiClient, resolveTarget } from './api-client';
import { table, type CliIo } from './output';

/** `settle invoices list|pdf`: invoices and credit notes, and their PDFs (GET /v1/invoices[/:id/pdf]). */
interface InvoiceRow {
  id: string;
  number: string | null;
  kind: string;
  status: string;
  account_id: string;
  issued_at: string | null;
  currency: string;
  total: number | null;
  payment_status: string | null;
  source: string;
}

const money = (amount: number | null, currency: string) => (amount === null ? '-' : `${amount.toFixed(currencyExponent(currency))} ${currency.toUpperCase()}`);

export function registerInvoicesCommand(program: Command, io: CliIo): void {
  const invoices = program.command('invoices').description('Invoices and credit notes, and their PDFs');
  const target = () => resolveTarget(program.opts<{ apiUrl?: string; apiKey?: string }>());

  invoices
    .command('list')
    .description('Invoices and credit notes, newest first')
    .option('--account <acct_id>', 'only this account')
    .option('--kind <kind>', 'invoice or credit_note')
    .option('--status <status>', 'draft or finalized')
    .option('--limit <n>', 'at most n (≤ 100)', '50')
    .option('--offset <n>', 'skip n', '0')
    .option('--json', 'print the API response as JSON')
    .action(async (options: { account?: string; kind?: string; status?: string; limit: string; offset: string; json?: boolean }) => {
      const query = new URLSearchParams({ limit: options.limit, offset: options.offset });
      if (options.account) query.set('account_id', options.account);
      if (options.kind) query.set('kind', options.kind);
      if (options.status) query.set('status', options.status);
      const page = await createApiClient(target()).request<{ data: InvoiceRow[]; meta: { total: number } }>('GET', `/v1/invoices?${query}`);
      if (options.json) {
        io.out(JSON.stringify(page, null, 2));
        return;
      }
      const rows = page.data.map((i) => [i.number ?? '(draft)', i.id, i.kind, i.account_id, i.issued_at?.slice(0, 10) ?? '-', money(i.total, i.currency), i.payment_status ?? i.status, i.source]);
      for (const line of table(['NUMBER', 'ID', 'KIND', 'ACCOUNT', 'ISSUED', 'TOTAL', 'STATUS', 'SOURCE'], rows)) io.out(line);
      io.out(`${page.data.length} of ${page.meta.total} invoice(s)`);
    });

  invoices
    .command('pdf')
    .description('Download an invoice PDF (byte-identical every time; its SHA-256 is checked)')
    .argument('<invoice_id>', 'inv_…')
    .option('--out <file>', 'where to write it (default: <number>.pdf in the current directory)')
    .action(async (invoiceId: string, options: { out?: string }) => {
      const { url, key } = target();
      const invoice = await createApiClient({ url, key }).request<InvoiceRow & { pdf_sha256: string | null }>('GET', `/v1/invoices/${encodeURIComponent(invoiceId)}`);
      const response = await fetch(`${url}/v1/invoices/${encodeURIComponent(invoiceId)}/pdf`, { headers: { authorization: `Bearer ${key}` } });
      if (!response.ok) {
        const error = ((await response.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null)?.error;
        throw new CliError(`${response.status} ${error?.code ?? 'error'}: ${error?.message ?? 'the PDF could not be downloaded'}`);
      }
      const bytes = Buffer.from(await response.arrayBuffer());
      const sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
      const expected = response.headers.get('x-content-sha256') ?? invoice.pdf_sha256;
      if (expected && expected !== sha256) throw new CliError(`the downloaded PDF does not match its SHA-256 (${expected}); try again`);
      const file = path.resolve(options.out ?? `${invoice.number ?? invoice.id}.pdf`);
      fs.writeFileSync(file, bytes);
      io.out(`${file} (${bytes.length} bytes, sha256 ${sha256})`);
    });
}
