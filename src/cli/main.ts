import { Command, CommanderError } from 'commander';
import { CliError } from './api-client';
import { processIo, type CliIo } from './output';
import { registerPayoutsCommand } from './payouts.command';
import { registerCloseCommand } from './close.command';
import { registerBillingCommand } from './billing.command';
import { registerAccountsCommand } from './accounts.command';
import { registerInvoicesCommand } from './invoices.command';
import { registerDevCommand } from './dev.command';
import { registerWebhooksCommand } from './webhooks.command';

/**
 * `settle`: the finance-ops CLI (npx settle, npm run settle --). Each command group lives in its
 * own file and registers itself here, e.g. `settle payouts …`; `settle close …` is added the same way.
 */
export function buildProgram(io: CliIo = processIo): Command {
  const program = new Command('settle')
    .description('Settle finance-ops CLI: payouts (and closes) over the admin API')
    .option('--api-url <url>', 'Settle API base URL (SETTLE_API_URL, default http://localhost:$PORT)')
    .option('--api-key <key>', 'admin API key (SETTLE_API_KEY / ADMIN_API_KEY, default .data/admin-api-key)')
    .option('--poll-ms <ms>', 'how often to poll long-running work', '1000')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.out(text.trimEnd()), writeErr: (text) => io.err(text.trimEnd()) });
  registerPayoutsCommand(program, io);
  registerCloseCommand(program, io);
  registerBillingCommand(program, io);
  registerAccountsCommand(program, io);
  registerInvoicesCommand(program, io);
  registerDevCommand(program, io);
  registerWebhooksCommand(program, io);
  return program;
}

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  try {
    await buildProgram(io).parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof CliError) {
      io.err(`settle: ${error.message}`);
      return error.exitCode;
    }
    io.err(`settle: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
