import type { Command } from 'commander';
import { currencyExponent } from '../invoices/compute/money';
import { createApiClient, resolveTarget } from './api-client';
import { table, type CliIo } from './output';

/**
 * `settle billing mismatches`: Settle's period invoices whose Stripe invoice charged a different
 * total, tax or currency, over the admin API (GET /v1/admin/billing-mismatches).
 */
interface BillingMismatch {
  id: string;
  account_id: string;
  period: string;
  currency: string;
  settle_invoice_id: string;
  settle_total: number;
  settle_tax: number;
  stripe_invoice_id: string;
  stripe_currency: string;
  stripe_total: number;
  stripe_tax: number;
  reasons: string[];
  detected_at: string;
}

const money = (amount: number, currency: string) => `${amount.toFixed(currencyExponent(currency))} ${currency.toUpperCase()}`;

const HEADERS = ['ID', 'ACCOUNT', 'PERIOD', 'SETTLE INVOICE', 'SETTLE TOTAL (TAX)', 'STRIPE INVOICE', 'STRIPE TOTAL (TAX)', 'REASONS', 'DETECTED'];

function mismatchRows(mismatches: BillingMismatch[]): string[][] {
  return mismatches.map((m) => [
    m.id,
    m.account_id,
    m.period,
    m.settle_invoice_id,
    `${money(m.settle_total, m.currency)} (${money(m.settle_tax, m.currency)})`,
    m.stripe_invoice_id,
    `${money(m.stripe_total, m.stripe_currency)} (${money(m.stripe_tax, m.stripe_currency)})`,
    m.reasons.join(', '),
    m.detected_at,
  ]);
}

export function registerBillingCommand(program: Command, io: CliIo): void {
  const billing = program.command('billing').description('Subscription billing on Stripe: where collection disagrees with Settle’s invoices');

  billing
    .command('mismatches')
    .description('List period invoices whose Stripe invoice charged a different total, tax or currency, newest first')
    .option('--account <acct_id>', 'only this account')
    .option('--period <YYYY-MM>', 'only this month')
    .option('--limit <n>', 'at most n (≤ 100)', '50')
    .option('--offset <n>', 'skip n', '0')
    .option('--json', 'print the API response as JSON')
    .action(async (options: { account?: string; period?: string; limit: string; offset: string; json?: boolean }) => {
      const query = new URLSearchParams({ limit: options.limit, offset: options.offset });
      if (options.account) query.set('account_id', options.account);
      if (options.period) query.set('period', options.period);
      const api = createApiClient(resolveTarget(program.opts<{ apiUrl?: string; apiKey?: string }>()));
      const page = await api.request('GET', `/v1/admin/billing-mismatches?${query}`);
      if (options.json) {
        io.out(JSON.stringify(page, null, 2));
        return;
      }
      if (page.meta.total === 0) {
        io.out('No billing mismatches: every Stripe invoice charged what Settle invoiced.');
        return;
      }
      for (const line of table(HEADERS, mismatchRows(page.data))) io.out(line);
      io.out(`${page.data.length} of ${page.meta.total} billing mismatch(es)`);
    });
}
