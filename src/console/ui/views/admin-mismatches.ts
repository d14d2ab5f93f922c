import { apiGet } from '../api-client';
import { formatDateTime, formatMoney } from '../format';
import { html } from '../html';
import type { Page } from '../page';

/** Periods where Stripe's invoice and Settle's differ: both amounts side by side, never silently accepted. */
interface Mismatch {
  id: string;
  account_id: string;
  period: string;
  currency: string;
  settle_invoice_id: string;
  settle_total: number;
  stripe_invoice_id: string;
  stripe_currency: string;
  stripe_total: number;
  reasons: string[];
  detected_at: string;
  resolved_at: string | null;
}

export const mismatchesPage: Page = {
  path: 'admin/mismatches',
  label: 'Billing mismatches',
  role: 'admin',
  async render() {
    const page = await apiGet<{ data: Mismatch[] }>('/v1/admin/billing-mismatches?limit=100');
    if (page.data.length === 0) return html`<p class="empty">No mismatches: every Stripe invoice paid so far matches Settle's.</p>`;
    return html`<div class="table-wrap"><table>
<caption class="visually-hidden">Billing mismatches</caption>
<thead><tr><th scope="col">Account</th><th scope="col">Period</th><th scope="col" class="num">Settle</th><th scope="col" class="num">Stripe</th><th scope="col">Why</th><th scope="col">Detected</th></tr></thead>
<tbody>${page.data.map(
      (m) => html`<tr><td><a href="#/admin/accounts/${encodeURIComponent(m.account_id)}">${m.account_id}</a></td><td>${m.period}</td>
<td class="num">${formatMoney(m.settle_total, m.currency)}<br><code>${m.settle_invoice_id}</code></td><td class="num">${formatMoney(m.stripe_total, m.stripe_currency)}<br><code>${m.stripe_invoice_id}</code></td>
<td>${m.reasons.map((r) => r.replace(/_/g, ' ')).join(', ')}</td><td>${formatDateTime(m.detected_at)}${m.resolved_at ? ' (resolved)' : ''}</td></tr>`,
    )}</tbody></table></div>`;
  },
};
