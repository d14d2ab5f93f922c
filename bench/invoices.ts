/**
 * npm run bench:invoices: finalize and render 1,000 invoices against a real PostgreSQL (embedded in
 * a temporary directory, or DATABASE_URL), as the issueInvoice activities do (finalize in one
 * transaction with the gapless number, render the PDF, store it). Prints invoices/s and PDF render
 * p50/p99, plus a reference measured in the same run (a one-row insert transaction, and a one-line
 * PDF) because these machines are noisy; writes bench/results/invoices.json and invoices.md.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import PDFDocument from 'pdfkit';
import { createDb } from '../src/db/knex';
import { migrateToLatest } from '../src/db/migrate';
import { loadConfig } from '../src/config/config';
import { createAccount } from '../src/accounts/accounts.service';
import { putBillingProfile, type BillingProfileInput } from '../src/billing-profile/billing-profile.service';
import { invoiceSettingsFromConfig } from '../src/invoices/invoice-settings';
import { renderFinalizedInvoice, sha256OfBytes } from '../src/invoices/invoice-pdf.service';
import { createDraft, finalizeInvoice } from '../src/invoices/invoices.service';
import { insertDocumentOnce } from '../src/invoices/invoices.queries';
import { startEmbeddedPostgres } from '../src/runtime/embedded-postgres';

const COUNT = Number(process.env.BENCH_INVOICES ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);

const PROFILES: BillingProfileInput[] = [
  { legalName: 'Jana Schulz', email: 'jana@example.de', address: { line1: 'Hauptstraße 5', city: 'München', postalCode: '80331', country: 'DE' } },
  { legalName: 'Société Exemple SARL', email: 'compta@example.fr', address: { line1: '12 rue de la Paix', city: 'Paris', postalCode: '75002', country: 'FR' }, taxId: 'FR12345678901' },
  { legalName: 'Camille Martin', email: 'camille@example.fr', address: { line1: '3 avenue Foch', city: 'Lyon', postalCode: '69006', country: 'FR' } },
  { legalName: 'Acme Inc.', email: 'ap@acme.example', address: { line1: '1 Market St', city: 'San Francisco', postalCode: '94105', country: 'US' } },
];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
}

/** pdfkit's floor: one line in its built-in Helvetica (invoices embed a DejaVu Sans subset). */
function onePagePdf(): Promise<Buffer> {
  return new Promise((resolve) => {
    const doc = new PDFDocument({ size: 'A4', info: { CreationDate: new Date(0), ModDate: new Date(0) } });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.text('reference');
    doc.end();
  });
}

async function reference(db: Knex) {
  await db.raw('create table if not exists bench_reference (id serial primary key, note text not null)');
  const started = performance.now();
  await pool(Array.from({ length: COUNT }, (_, i) => i), CONCURRENCY, async (i) => {
    await db.transaction(async (trx) => { await trx('bench_reference').insert({ note: `row ${i}` }); });
  });
  const insertTxPerSecond = COUNT / ((performance.now() - started) / 1000);
  const pdfTimes: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t0 = performance.now();
    await onePagePdf();
    pdfTimes.push(performance.now() - t0);
  }
  pdfTimes.sort((a, b) => a - b);
  return { insertTxPerSecond, onePagePdfP50Ms: percentile(pdfTimes, 50) };
}

async function main(): Promise<void> {
  const config = loadConfig({ ...process.env, LOG_LEVEL: 'error' }, 'embedded');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'settle-bench-invoices-'));
  const postgres = config.DATABASE_URL ? null : await startEmbeddedPostgres({ dataDir, logDir: path.join(dataDir, 'logs'), database: 'settle' });
  const db = createDb(config.DATABASE_URL ?? postgres!.databaseUrl, 20);
  try {
    await migrateToLatest(db);
    const tag = Date.now().toString(36).toUpperCase();
    const settings = { ...invoiceSettingsFromConfig(config), invoiceNumberFormat: `B${tag}-{year}-{seq:6}`, creditNoteNumberFormat: `B${tag}-CN-{year}-{seq:6}` };
    const accounts: string[] = [];
    for (const profile of PROFILES) {
      const account = await createAccount(db, { name: profile.legalName, plan: 'pro' });
      await putBillingProfile(db, account.id, profile);
      accounts.push(account.id);
    }
    const drafts: string[] = [];
    for (let i = 0; i < COUNT; i++) {
      const draft = await createDraft(db, {
        source: `purchase:pur_bench${tag.toLowerCase()}${i}`,
        accountId: accounts[i % accounts.length]!,
        kind: 'invoice',
        currency: 'eur',
        lines: [
          { description: 'Credit package Pro: 100 credits', quantity: 1, unitAmountMinor: 9000, amountMinor: 9000 },
          { description: 'Starter package: 25 credits', quantity: 1 + (i % 3), unitAmountMinor: 2500, amountMinor: 2500 * (1 + (i % 3)) },
        ],
        paymentReference: `pi_bench_${i}`,
      });
      drafts.push(draft.id);
    }

    const ref = await reference(db);
    const finalizeMs: number[] = [];
    const renderMs: number[] = [];
    const started = performance.now();
    await pool(drafts, CONCURRENCY, async (id) => {
      const t0 = performance.now();
      const invoice = await finalizeInvoice(db, settings, id);
      const t1 = performance.now();
      const pdf = await renderFinalizedInvoice(invoice);
      const t2 = performance.now();
      await insertDocumentOnce(db, { invoice_id: id, content: pdf, sha256: sha256OfBytes(pdf) });
      finalizeMs.push(t1 - t0);
      renderMs.push(t2 - t1);
    });
    const seconds = (performance.now() - started) / 1000;
    finalizeMs.sort((a, b) => a - b);
    renderMs.sort((a, b) => a - b);

    const seqs = (await db('invoices').whereIn('id', drafts).pluck('seq')).map(Number).sort((a, b) => a - b);
    const gapless = seqs.length === COUNT && seqs.every((seq, i) => seq === i + 1);
    const round = (n: number, d = 2) => Number(n.toFixed(d));
    const result = {
      invoices: COUNT,
      concurrency: CONCURRENCY,
      seconds: round(seconds, 3),
      invoicesPerSecond: round(COUNT / seconds, 1),
      renderP50Ms: round(percentile(renderMs, 50)),
      renderP99Ms: round(percentile(renderMs, 99)),
      finalizeP50Ms: round(percentile(finalizeMs, 50)),
      finalizeP99Ms: round(percentile(finalizeMs, 99)),
      gaplessNumbers: gapless,
      reference: {
        insertTxPerSecond: round(ref.insertTxPerSecond, 1),
        onePagePdfP50Ms: round(ref.onePagePdfP50Ms),
        invoicesPerInsertTx: round(COUNT / seconds / ref.insertTxPerSecond, 3),
        renderP50PerOnePagePdf: round(percentile(renderMs, 50) / ref.onePagePdfP50Ms, 2),
      },
      machine: { cpus: os.cpus().length, node: process.version, database: config.DATABASE_URL ? 'DATABASE_URL' : 'embedded-postgres' },
      measuredAt: new Date().toISOString(),
    };
    const outDir = path.resolve(__dirname, 'results');
    fs.mkdirSync(outDir, { recursive: true });
    fs.writeFileSync(path.join(outDir, 'invoices.json'), `${JSON.stringify(result, null, 2)}\n`);
    const table = [
      '| metric | value |', '| --- | --- |',
      `| invoices finalized + rendered + stored | ${COUNT} (concurrency ${CONCURRENCY}) |`,
      `| invoices/s | ${result.invoicesPerSecond} |`,
      `| PDF render p50 / p99 | ${result.renderP50Ms} ms / ${result.renderP99Ms} ms |`,
      `| finalize p50 / p99 | ${result.finalizeP50Ms} ms / ${result.finalizeP99Ms} ms |`,
      `| reference: one-row insert transactions/s | ${result.reference.insertTxPerSecond} (ratio ${result.reference.invoicesPerInsertTx}) |`,
      `| reference: one-line PDF p50 (built-in font, nothing embedded) | ${result.reference.onePagePdfP50Ms} ms (ratio ${result.reference.renderP50PerOnePagePdf}) |`,
      `| numbers 1..${COUNT}, no gap | ${gapless} |`,
    ].join('\n');
    fs.writeFileSync(path.join(outDir, 'invoices.md'), `# bench:invoices (${result.measuredAt})\n\n${table}\n`);
    process.stdout.write(`${table}\n\nwrote bench/results/invoices.json\n`);
    if (!gapless) process.exitCode = 1;
  } finally {
    await db.destroy();
    await postgres?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
