import { apiGet, apiJson } from '../api-client';
import { formatDateTime } from '../format';
import { html } from '../html';
import { field, pager, type Page } from '../page';

/** Outgoing webhooks: where Settle sends its events, each delivery's last answer, and a redeliver button. */
interface Endpoint {
  id: string;
  account_id: string | null;
  url: string;
  events: string[];
  enabled: boolean;
  disabled_reason: string | null;
}

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
  created_at: string;
}

const LIMIT = 25;
const filter = { status: '', offset: 0 };

export const deliveriesPage: Page = {
  path: 'admin/deliveries',
  label: 'Webhook deliveries',
  role: 'admin',
  async render() {
    const query = new URLSearchParams({ limit: String(LIMIT), offset: String(filter.offset) });
    if (filter.status) query.set('status', filter.status);
    const [endpoints, deliveries] = await Promise.all([
      apiGet<{ data: Endpoint[] }>('/v1/webhook-endpoints'),
      apiGet<{ data: Delivery[] }>(`/v1/webhook-deliveries?${query.toString()}`),
    ]);
    // The delivery list answers no total: a full page means there may be another.
    const meta = { total: filter.offset + deliveries.data.length + (deliveries.data.length === LIMIT ? 1 : 0), limit: LIMIT, offset: filter.offset };
    return html`<h2>Endpoints</h2>
${endpoints.data.length === 0 ? html`<p class="empty">No endpoints: accounts (or the admin key, for all accounts) add them with POST /v1/webhook-endpoints.</p>` : html`<div class="table-wrap"><table>
<caption class="visually-hidden">Webhook endpoints</caption>
<thead><tr><th scope="col">Endpoint</th><th scope="col">Account</th><th scope="col">URL</th><th scope="col">Events</th><th scope="col">State</th></tr></thead>
<tbody>${endpoints.data.map(
      (e) => html`<tr><td><code>${e.id}</code></td><td>${e.account_id ?? 'all accounts'}</td><td><code>${e.url}</code></td><td>${e.events.length === 0 ? 'all' : e.events.join(', ')}</td><td>${e.enabled ? 'enabled' : `disabled${e.disabled_reason ? `: ${e.disabled_reason}` : ''}`}</td></tr>`,
    )}</tbody></table></div>`}
<h2>Deliveries</h2>
<form data-form="delivery-filter" class="inline">
<label for="delivery-status">Status</label>
<select id="delivery-status" name="status">${['', 'failed', 'pending', 'delivered'].map((s) => html`<option value="${s}" ${s === filter.status ? 'selected' : ''}>${s || 'all'}</option>`)}</select>
<button type="submit">Show</button></form>
${deliveries.data.length === 0 ? html`<p class="empty">No deliveries.</p>` : html`<div class="table-wrap"><table>
<caption class="visually-hidden">Webhook deliveries, newest first</caption>
<thead><tr><th scope="col">Created</th><th scope="col">Type</th><th scope="col">Event</th><th scope="col">Endpoint</th><th scope="col">Status</th><th scope="col" class="num">Attempts</th><th scope="col">Last answer</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead>
<tbody>${deliveries.data.map(
      (d) => html`<tr><td>${formatDateTime(d.created_at)}</td><td>${d.type}</td><td><code>${d.event_id}</code></td><td><code>${d.endpoint_id}</code></td><td>${d.status}${d.next_attempt_at && d.status === 'pending' ? html`<br><span class="muted">next ${formatDateTime(d.next_attempt_at)}</span>` : ''}</td>
<td class="num">${d.attempts}</td><td>${d.last_status_code ?? ''} ${d.last_error ?? ''}</td>
<td>${d.status === 'pending' ? '' : html`<button type="button" data-action="redeliver" data-id="${d.id}" aria-label="Redeliver ${d.id}">Redeliver</button>`}</td></tr>`,
    )}</tbody></table></div>`}
${pager(meta, 'deliveries-page', false)}`;
  },
  actions: {
    async 'delivery-filter'(ctx, form) {
      filter.status = field(form, 'status');
      filter.offset = 0;
      await ctx.refresh();
    },
    async 'deliveries-page'(ctx, button) {
      filter.offset = Number(button.dataset.offset ?? 0);
      await ctx.refresh();
    },
    async redeliver(ctx, button) {
      await apiJson('POST', `/v1/webhook-deliveries/${encodeURIComponent(button.dataset.id ?? '')}/redeliver`);
      await ctx.refresh();
      ctx.announce('Delivery queued again');
    },
  },
};
