import type { Command } from 'commander';
import { createApiClient, CliError, resolveTarget } from './api-client';
import { progress, table, type CliIo } from './output';

/**
 * `settle close --period 2026-10`: starts (or joins) the month-end close over the admin API
 * (POST /v1/admin/closes) and follows GET /v1/admin/closes/:period with a progress bar.
 */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function registerCloseCommand(program: Command, io: CliIo): void {
  program
    .command('close')
    .description('Close a month: expire/roll over credits, grant the next period, report overage, issue invoices')
    .requiredOption('--period <YYYY-MM>', 'the month to close (must have ended)')
    .option('--no-wait', 'return once the close has started')
    .action(async (options: { period: string; wait: boolean }) => {
      const api = createApiClient(resolveTarget(program.opts<{ apiUrl?: string; apiKey?: string }>()));
      const pollMs = Number(program.opts<{ pollMs?: string }>().pollMs ?? 1000);
      const started = await api.request('POST', '/v1/admin/closes', { period: options.period });
      io.out(`Close of ${started.period}: workflow ${started.workflow_id} (${started.status})`);
      if (!options.wait) return;
      const bar = progress(io, `Closing ${options.period}`);
      try {
        // The workflow's live state is the progress; a finished close answers from its row.
        for (;;) {
          const view = await api.request('GET', `/v1/admin/workflows/${encodeURIComponent(started.workflow_id)}`);
          const state = view.state ?? {};
          bar.update(state.accounts_done ?? 0, state.accounts_total ?? 0, state.failures?.length ? `${state.failures.length} failed` : '');
          if (view.status !== 'RUNNING') break;
          await sleep(pollMs);
        }
      } finally {
        bar.stop();
      }
      const close = await api.request('GET', `/v1/admin/closes/${options.period}`);
      io.out(`Done: ${close.accounts_done} of ${close.accounts_total} account(s) closed, status ${close.status}`);
      if (close.failures.length) {
        for (const line of table(['ACCOUNT', 'REASON'], close.failures.map((f: { account_id: string; reason: string }) => [f.account_id, f.reason]))) io.out(line);
        throw new CliError(`${close.failures.length} account(s) failed; fix the reasons above and run the same command again`, 3);
      }
    });
}
