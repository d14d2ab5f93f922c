import { apiGet } from '../api-client';
import { formatDateTime } from '../format';
import { html } from '../html';
import { field, pager, type Page } from '../page';

/** The Stripe webhook inbox: what arrived, whether it was handed on, and the last error of a stuck one. */
interface InboxEvent {
  id: string;
  type: string;
  purchase_id: string | null;
  received_at: string;
  processed_at: string | null;
  outcome: string | null;
  attempts: number;
  last_error: string | null;
  status: string;
}

const LIMIT = 25;
const filter = { status: '', offset: 0 };

export const webhooksPage: Page = {
  path: 'admin/webhooks',
  label: 'Webhook inbox',
  role: 'admin',
  async render() {
    const query = new URLSearchParams({ limit: String(LIMIT), offset: String(filter.offset) });
    if (filter.status) query.set('status', filter.status);
    const page = await apiGet<{ data: InboxEvent[]; meta: { total: number; limit: number; offset: number } }>(`/v1/admin/webhook-events?${query.toString()}`);
    return html`<form data-form="inbox-filter" class="inline">
<label for="inbox-status">Status</label>
<select id="inbox-status" name="status">${['', 'failing', 'pending', 'processed'].map((s) => html`<option value="${s}" ${s === filter.status ? 'selected' : ''}>${s || 'all'}</option>`)}</select>
<button type="submit">Show</button></form>
${page.data.length === 0 ? html`<p class="empty">No events.</p>` : html`<div class="table-wrap"><table>
<caption class="visually-hidden">Stripe events received, newest first</caption>
<thead><tr><th scope="col">Received</th><th scope="col">Type</th><th scope="col">Event</th><th scope="col">Purchase</th><th scope="col">Status</th><th scope="col">Outcome or error</th><th scope="col" class="num">Attempts</th></tr></thead>
<tbody>${page.data.map(
      (e) => html`<tr><td>${formatDateTime(e.received_at)}</td><td>${e.type}</td><td><code>${e.id}</code></td><td>${e.purchase_id ? html`<code>${e.purchase_id}</code>` : ''}</td><td>${e.status}</td><td>${e.last_error ?? e.outcome ?? ''}</td><td class="num">${e.attempts}</td></tr>`,
    )}</tbody></table></div>`}
${pager(page.meta, 'inbox-page')}`;
  },
  actions: {
    async 'inbox-filter'(ctx, form) {
      filter.status = field(form, 'status');
      filter.offset = 0;
      await ctx.refresh();
    },
    async 'inbox-page'(ctx, button) {
      filter.offset = Number(button.dataset.offset ?? 0);
      await ctx.refresh();
    },
  },
};
