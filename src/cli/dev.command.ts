import type { Command } from 'commander';
import { createApiClient, resolveTarget } from './api-client';
import type { CliIo } from './output';

/**
 * `settle dev pay <purchase id>`: what the local payment page's buttons do, from the terminal
 * (only while Settle talks to stripe-mock; the page's endpoint does not exist with a real Stripe
 * key). The service signs the Stripe events with its own webhook secret and delivers them to its
 * own webhook endpoint; the checkout workflow then credits the purchase.
 */
interface SentEvents {
  session: string;
  action: string;
  events: Array<{ id: string; type: string; status: number }>;
}

const OUTCOMES = { later: 'pay-later', fail: 'fail', expire: 'expire' } as const;

export function registerDevCommand(program: Command, io: CliIo): void {
  const dev = program.command('dev').description('Local development helpers (stripe-mock only)');

  dev
    .command('pay')
    .description('Pay a pending purchase (pur_…) or subscription checkout (sub.<account>.<plan>) as the local payment page does')
    .argument('<session>', 'the purchase id, or the last part of a subscription checkout_url')
    .option('--later', 'pay with a delayed method: the session completes unpaid (then run pay again, or --fail)')
    .option('--fail', 'the payment fails')
    .option('--expire', 'the session expires unpaid')
    .option('--json', 'print the API response as JSON')
    .action(async (session: string, options: { later?: boolean; fail?: boolean; expire?: boolean; json?: boolean }) => {
      const chosen = (Object.keys(OUTCOMES) as Array<keyof typeof OUTCOMES>).filter((name) => options[name]);
      if (chosen.length > 1) throw new Error('choose at most one of --later, --fail, --expire');
      const action = chosen[0] ? OUTCOMES[chosen[0]] : 'pay';
      const api = createApiClient(resolveTarget(program.opts<{ apiUrl?: string; apiKey?: string }>()));
      const sent = await api.request<SentEvents>('POST', `/dev/checkout/${encodeURIComponent(session)}/${action}`);
      if (options.json) {
        io.out(JSON.stringify(sent, null, 2));
        return;
      }
      for (const event of sent.events) io.out(`sent ${event.type} (${event.id}): webhook answered ${event.status}`);
      io.out(session.startsWith('pur_') ? `follow it: GET /v1/billing/credits/purchases/${session}` : 'follow it: GET /v1/subscription');
    });
}
