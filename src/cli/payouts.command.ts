import { Command, Option } from 'commander';
import { createApiClient, CliError, resolveTarget, type ApiClient } from './api-client';
import { progress, table, type CliIo } from './output';

/**
 * `settle payouts run|list|retry`: finance ops' payout commands, over the admin API
 * (POST /v1/admin/payout-runs, GET /v1/admin/payouts, POST /v1/admin/payouts/:id/retry).
 */
const STATUSES = ['pending', 'paid', 'failed', 'held', 'carried_forward'];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Payout {
  id: string;
  publisher_id: string;
  period: string;
  amount: number;
  currency: string;
  status: string;
  attempts: number;
  transfer_id: string | null;
  failure_reason: string | null;
}

function payoutRows(payouts: Payout[]): string[][] {
  return payouts.map((p) => [
    p.id,
    p.publisher_id,
    p.period,
    `${p.amount.toFixed(2)} ${p.currency.toUpperCase()}`,
    p.status,
    String(p.attempts),
    p.transfer_id ?? '',
    p.failure_reason ?? '',
  ]);
}

const HEADERS = ['ID', 'PUBLISHER', 'PERIOD', 'AMOUNT', 'STATUS', 'ATTEMPTS', 'TRANSFER', 'REASON'];

async function waitForRun(api: ApiClient, io: CliIo, runId: string, pollMs: number): Promise<Record<string, number>> {
  const bar = progress(io, 'Paying publishers');
  try {
    for (;;) {
      const view = await api.request('GET', `/v1/admin/workflows/${encodeURIComponent(runId)}`);
      const state = view.state ?? {};
      bar.update(state.processed ?? 0, state.planned ?? 0, state.step ?? '');
      if (view.status === 'COMPLETED') return (view.result?.byStatus ?? {}) as Record<string, number>;
      if (view.status !== 'RUNNING') throw new CliError(`Payout run ${runId} ended ${view.status}${view.failure ? `: ${view.failure}` : ''}`);
      await sleep(pollMs);
    }
  } finally {
    bar.stop();
  }
}

export function registerPayoutsCommand(program: Command, io: CliIo): void {
  const payouts = program.command('payouts').description('Publisher payouts: run a period, list, re-run failed ones');
  const client = (): ApiClient => createApiClient(resolveTarget(program.opts<{ apiUrl?: string; apiKey?: string }>()));
  const poll = () => Number(program.opts<{ pollMs?: string }>().pollMs ?? 1000);

  payouts
    .command('run')
    .description('Pay everything accrued before the end of the period (default: the previous month)')
    .option('--period <YYYY-MM>', 'the month to settle')
    .option('--as-of <iso-datetime>', 'cutoff: pay accruals before this instant')
    .option('--no-wait', 'return once the run has started')
    .action(async (options: { period?: string; asOf?: string; wait: boolean }) => {
      const api = client();
      const started = await api.request('POST', '/v1/admin/payout-runs', { period: options.period, as_of: options.asOf });
      io.out(`Payout run ${started.run_id} for ${started.period} (as of ${started.as_of}): ${started.payouts.length} payout(s)`);
      if (!options.wait) return;
      const byStatus = await waitForRun(api, io, started.run_id, poll());
      io.out(`Done: ${Object.entries(byStatus).map(([status, n]) => `${n} ${status}`).join(', ') || 'nothing to pay'}`);
      if (byStatus.failed) io.out('Some payouts failed: settle payouts list --status failed, then settle payouts retry <id>');
    });

  payouts
    .command('list')
    .description('List payouts, newest first')
    .addOption(new Option('--status <status>', 'only this status').choices(STATUSES))
    .option('--publisher <pub_id>', 'only this publisher')
    .option('--limit <n>', 'at most n (≤ 100)', '50')
    .option('--offset <n>', 'skip n', '0')
    .option('--json', 'print the API response as JSON')
    .action(async (options: { status?: string; publisher?: string; limit: string; offset: string; json?: boolean }) => {
      const query = new URLSearchParams({ limit: options.limit, offset: options.offset });
      if (options.status) query.set('status', options.status);
      if (options.publisher) query.set('publisher_id', options.publisher);
      const page = await client().request('GET', `/v1/admin/payouts?${query}`);
      if (options.json) {
        io.out(JSON.stringify(page, null, 2));
        return;
      }
      for (const line of table(HEADERS, payoutRows(page.data))) io.out(line);
      io.out(`${page.data.length} of ${page.meta.total} payout(s)`);
    });

  payouts
    .command('retry')
    .description('Re-run a failed payout (never pays a paid one twice)')
    .argument('<payout_id>', 'po_…')
    .option('--no-wait', 'return once the retry has started')
    .action(async (payoutId: string, options: { wait: boolean }) => {
      const api = client();
      const started = await api.request('POST', `/v1/admin/payouts/${encodeURIComponent(payoutId)}/retry`);
      io.out(`Retrying ${payoutId} (attempt ${started.attempts}, workflow ${started.workflow_id})`);
      if (!options.wait) return;
      for (;;) {
        const payout: Payout = await api.request('GET', `/v1/admin/payouts/${encodeURIComponent(payoutId)}`);
        if (payout.status !== 'pending') {
          for (const line of table(HEADERS, payoutRows([payout]))) io.out(line);
          if (payout.status === 'failed') throw new CliError(`Payout ${payoutId} failed again: ${payout.failure_reason}`);
          return;
        }
        await sleep(poll());
      }
    });
}
