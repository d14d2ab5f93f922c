import { loadConfigOrExit } from './config/load-or-exit';
import { startStack } from './runtime/stack';
import { onShutdownSignal } from './runtime/shutdown';

/** `npm start`: the whole stack on embedded defaults, in one process tree. */
async function main(): Promise<void> {
  const config = loadConfigOrExit('embedded');
  const started = Date.now();
  process.stdout.write(`Settle starting (data in ${config.dataDir}) …\n`);
  const stack = await startStack(config);
  onShutdownSignal(() => stack.stop());
  // A secret Settle generated (kept under DATA_DIR) is shown so it can be used; one the
  // environment gave is the operator's already and is never echoed.
  const lines = [
    '',
    `Settle is up in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    `  API          ${stack.apiUrl}`,
    `  Console      ${stack.apiUrl}/console (sign in with the admin key below, or an account's key)`,
    `  Docs         ${stack.docsUrl}`,
    `  OpenAPI      ${stack.apiUrl}/openapi.json`,
    `  Temporal UI  ${stack.temporalUiUrl ?? `(external Temporal at ${stack.temporalAddress})`}`,
    `  Temporal     ${stack.temporalAddress} (namespace ${config.TEMPORAL_NAMESPACE})`,
    `  Stripe       ${stack.stripeApiBase ? `stripe-mock at ${stack.stripeApiBase}` : 'Stripe API (STRIPE_SECRET_KEY)'}`,
    `  Admin key    ${config.ADMIN_API_KEY ? 'from ADMIN_API_KEY' : stack.adminApiKey}`,
    `  Webhook secret (whsec) for stripe listen / signed test events: ${config.STRIPE_WEBHOOK_SECRET ? 'from STRIPE_WEBHOOK_SECRET' : stack.webhookSecret}`,
    '',
    'Ctrl-C stops everything.',
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

main().catch((error: unknown) => {
  process.stderr.write(`Settle failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
