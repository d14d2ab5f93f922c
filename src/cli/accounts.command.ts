import type { Command } from 'commander';
import { createApiClient, resolveTarget } from './api-client';
import { table, type CliIo } from './output';

/** `settle accounts list|show`: finance ops' account list and detail (GET /v1/admin/accounts[/:id]). */
interface AccountRow {
  id: string;
  name: string;
  email: string | null;
  plan: string;
  balance: number;
  subscription_status: string | null;
  created_at: string;
}

interface AccountDetail {
  id: string;
  name: string;
  email: string | null;
  plan: string;
  stripe_customer_id: string | null;
  balance: number;
  held: number;
  available: number;
  balance_value: number;
  currency: string;
  period: { start: string; end: string; included_credits: number; used: number; overage: number };
  subscription: { plan: string; status: string; pending_plan: string | null; cancel_at_period_end: boolean; current_period_end: string; stripe_subscription_id: string | null };
  keys: Array<{ id: string; prefix: string; created_at: string; revoked_at: string | null }>;
}

const day = (iso: string) => iso.slice(0, 10);

export function detailLines(account: AccountDetail): string[] {
  const subscription = account.subscription;
  const lines = [
    `${account.name} (${account.id})`,
    `  email          ${account.email ?? '-'}`,
    `  plan           ${account.plan}`,
    `  balance        ${account.balance} credits (${account.balance_value} ${account.currency}); held ${account.held}, available ${account.available}`,
    `  period         ${day(account.period.start)} – ${day(account.period.end)}: used ${account.period.used} of ${account.period.included_credits} included, overage ${account.period.overage}`,
    `  subscription   ${subscription.status}${subscription.stripe_subscription_id ? ` (${subscription.stripe_subscription_id})` : ''}` +
      `${subscription.pending_plan ? `, becomes ${subscription.pending_plan} on ${day(subscription.current_period_end)}` : ''}`,
    `  stripe customer ${account.stripe_customer_id ?? '-'}`,
    '',
    'API keys:',
  ];
  const keys = account.keys.map((key) => [key.id, `${key.prefix}…`, key.created_at, key.revoked_at ? `revoked ${key.revoked_at}` : 'active']);
  return [...lines, ...table(['KEY', 'PREFIX', 'CREATED', 'STATUS'], keys)];
}

export function registerAccountsCommand(program: Command, io: CliIo): void {
  const accounts = program.command('accounts').description('Customer accounts: list and detail');
  const client = () => createApiClient(resolveTarget(program.opts<{ apiUrl?: string; apiKey?: string }>()));

  accounts
    .command('list')
    .description('Accounts, newest first')
    .option('--query <text>', 'part of the name or email, or an account id')
    .option('--plan <plan>', 'only accounts on this plan')
    .option('--limit <n>', 'at most n (≤ 100)', '50')
    .option('--offset <n>', 'skip n', '0')
    .option('--json', 'print the API response as JSON')
    .action(async (options: { query?: string; plan?: string; limit: string; offset: string; json?: boolean }) => {
      const query = new URLSearchParams({ limit: options.limit, offset: options.offset });
      if (options.query) query.set('query', options.query);
      if (options.plan) query.set('plan', options.plan);
      const page = await client().request<{ data: AccountRow[]; meta: { total: number; limit: number; offset: number } }>('GET', `/v1/admin/accounts?${query}`);
      if (options.json) {
        io.out(JSON.stringify(page, null, 2));
        return;
      }
      const rows = page.data.map((a) => [a.id, a.name, a.email ?? '-', a.plan, String(a.balance), a.subscription_status ?? '-', day(a.created_at)]);
      for (const line of table(['ID', 'NAME', 'EMAIL', 'PLAN', 'BALANCE', 'SUBSCRIPTION', 'CREATED'], rows)) io.out(line);
      io.out(`${page.data.length} of ${page.meta.total} account(s)${page.meta.offset ? ` from ${page.meta.offset}` : ''}`);
    });

  accounts
    .command('show')
    .description('One account: balance, plan, subscription, open period, API keys')
    .argument('<account_id>', 'acct_…')
    .option('--json', 'print the API response as JSON')
    .action(async (accountId: string, options: { json?: boolean }) => {
      const account = await client().request<AccountDetail>('GET', `/v1/admin/accounts/${encodeURIComponent(accountId)}`);
      if (options.json) io.out(JSON.stringify(account, null, 2));
      else for (const line of detailLines(account)) io.out(line);
    });
}
