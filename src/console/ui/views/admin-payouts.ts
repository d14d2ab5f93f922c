import { payoutWorkflowId } from '../../../payouts/payout-keys';
import { apiGet, apiJson } from '../api-client';
import { formatDateTime, formatMoney } from '../format';
import { html, type Html } from '../html';
import { field, pager, region, type Page } from '../page';

/** Publisher payouts with Stripe's failure reasons; a failed one is re-run from here. */
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
  updated_at: string;
}

const STATUSES = ['failed', 'pending', 'paid', 'held', 'carried_forward'];
const LIMIT = 25;
const filter = { status: 'failed', offset: 0 };
/** The outcome of the last retry, shown above the rows after they are drawn again. */
let retried: Html | string = '';

export const payoutsPage: Page = {
  path: 'admin/payouts',
  label: 'Payouts',
  role: 'admin',
  async render(ctx) {
    const query = new URLSearchParams({ limit: String(LIMIT), offset: String(filter.offset) });
    if (filter.status) query.set('status', filter.status);
    const page = await apiGet<{ data: Payout[]; meta: { total: number; limit: number; offset: number } }>(`/v1/admin/payouts?${query.toString()}`);
    return html`<form data-form="payout-filter" class="inline">
<label for="payout-status">Status</label>
<select id="payout-status" name="status"><option value="">all</option>${STATUSES.map((s) => html`<option value="${s}" ${s === filter.status ? 'selected' : ''}>${s.replace('_', ' ')}</option>`)}</select>
<button type="submit">Show</button></form>
${region('payout', retried)}
${page.data.length === 0 ? html`<p class="empty">No ${filter.status || ''} payouts.</p>` : html`<div class="table-wrap"><table>
<caption class="visually-hidden">Payouts, newest first</caption>
<thead><tr><th scope="col">Payout</th><th scope="col">Publisher</th><th scope="col">Period</th><th scope="col" class="num">Amount</th><th scope="col">Status</th><th scope="col" class="num">Attempts</th><th scope="col">Reason or transfer</th><th scope="col">Workflow</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead>
<tbody>${page.data.map(
      (p) => html`<tr data-payout="${p.id}"><td><code>${p.id}</code></td><td><code>${p.publisher_id}</code></td><td>${p.period}</td><td class="num">${formatMoney(p.amount, p.currency)}</td>
<td data-testid="payout-status">${p.status}</td><td class="num">${p.attempts}</td><td>${p.failure_reason ?? p.transfer_id ?? ''}<br><span class="muted">${formatDateTime(p.updated_at)}</span></td>
<td>${p.attempts > 0 ? ctx.workflowLink(payoutWorkflowId(p.publisher_id, p.period, p.attempts)) : ''}</td>
<td>${p.status === 'failed' ? html`<button type="button" data-action="payout-retry" data-id="${p.id}" aria-label="Retry payout ${p.id}">Retry</button>` : ''}</td></tr>`,
    )}</tbody></table></div>`}
${pager(page.meta, 'payouts-page')}`;
  },
  actions: {
    async 'payout-filter'(ctx, form) {
      filter.status = field(form, 'status');
      filter.offset = 0;
      await ctx.refresh();
    },
    async 'payouts-page'(ctx, button) {
      filter.offset = Number(button.dataset.offset ?? 0);
      await ctx.refresh();
    },
    async 'payout-retry'(ctx, button) {
      const id = button.dataset.id ?? '';
      button.disabled = true;
      const started = await apiJson<Payout & { workflow_id: string }>('POST', `/v1/admin/payouts/${encodeURIComponent(id)}/retry`);
      ctx.region('payout', html`<p role="status">Retrying ${id} (attempt ${started.attempts}): ${ctx.workflowLink(started.workflow_id)}</p>`);
      ctx.announce(`Retry of ${id} started`);
      // Follow it until Stripe has answered, then show every row as it is now.
      ctx.poll(1000, async () => {
        const payout = await apiGet<Payout>(`/v1/admin/payouts/${encodeURIComponent(id)}`);
        if (payout.status === 'pending') return true;
        filter.status = '';
        retried = html`<p role="status">Payout ${id}: <strong data-testid="retried-status">${payout.status}</strong>${payout.transfer_id ? ` (transfer ${payout.transfer_id})` : ''}${payout.failure_reason ? `: ${payout.failure_reason}` : ''}</p>`;
        await ctx.refresh();
        retried = '';
        return false;
      });
    },
  },
};
