import { Command, Option } from 'commander';
import { createApiClient, resolveTarget, type ApiClient } from './api-client';
import { table, type CliIo } from './output';

/**
 * `settle webhooks deliveries|redeliver`: finance ops' view of outgoing webhooks, over the API
 * with the admin key (GET /v1/webhook-deliveries, POST /v1/webhook-deliveries/:id/redeliver).
 */
const STATUSES = ['pending', 'delivered', 'failed'];

interface Delivery {
  id: string;
  event_id: string;
  endpoint_id: string;
  type: string;
  status: string;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  next_attempt_at: string | null;
}

const HEADERS = ['ID', 'EVENT', 'TYPE', 'ENDPOINT', 'STATUS', 'ATTEMPTS', 'LAST', 'NEXT ATTEMPT', 'ERROR'];

function deliveryRows(deliveries: Delivery[]): string[][] {
  return deliveries.map((d) => [
    d.id,
    d.event_id,
    d.type,
    d.endpoint_id,
    d.status,
    String(d.attempts),
    d.last_status_code === null ? '' : String(d.last_status_code),
    d.next_attempt_at ?? '',
    d.last_error ?? '',
  ]);
}

export function registerWebhooksCommand(program: Command, io: CliIo): void {
  const webhooks = program.command('webhooks').description('Outgoing webhooks: the delivery log, redelivering failed ones');
  const client = (): ApiClient => createApiClient(resolveTarget(program.opts<{ apiUrl?: string; apiKey?: string }>()));

  webhooks
    .command('deliveries')
    .description('List deliveries to every endpoint, newest first')
    .addOption(new Option('--status <status>', 'only this status').choices(STATUSES))
    .option('--endpoint <we_id>', 'only this endpoint')
    .option('--limit <n>', 'at most n (≤ 100)', '50')
    .option('--offset <n>', 'skip n', '0')
    .option('--json', 'print the API response as JSON')
    .action(async (options: { status?: string; endpoint?: string; limit: string; offset: string; json?: boolean }) => {
      const query = new URLSearchParams({ limit: options.limit, offset: options.offset });
      if (options.status) query.set('status', options.status);
      if (options.endpoint) query.set('endpoint_id', options.endpoint);
      const page = await client().request('GET', `/v1/webhook-deliveries?${query}`);
      if (options.json) {
        io.out(JSON.stringify(page, null, 2));
        return;
      }
      for (const line of table(HEADERS, deliveryRows(page.data))) io.out(line);
      io.out(`${page.data.length} deliver${page.data.length === 1 ? 'y' : 'ies'}`);
      if (options.status === 'failed' && page.data.length > 0) io.out('Send one again (same webhook-id): settle webhooks redeliver <id>');
    });

  webhooks
    .command('redeliver')
    .description('Send a failed (or delivered) delivery again, with the same webhook-id')
    .argument('<delivery_id>', 'whd_…')
    .action(async (deliveryId: string) => {
      const delivery: Delivery = await client().request('POST', `/v1/webhook-deliveries/${encodeURIComponent(deliveryId)}/redeliver`);
      io.out(`Redelivering ${delivery.id} (event ${delivery.event_id}, ${delivery.type}) to ${delivery.endpoint_id}: pending`);
    });
}
