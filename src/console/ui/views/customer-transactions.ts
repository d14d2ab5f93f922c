import { apiGet } from '../api-client';
import { formatCredits, formatDateTime } from '../format';
import { html, type Html } from '../html';
import { pager, type Page } from '../page';

/** The credit ledger, newest first, each usage entry with the lines it charged. */
interface Transaction {
  id: string;
  type: string;
  amount: number;
  balance_after: number;
  description: string | null;
  created_at: string;
  breakdown?: Array<Record<string, unknown>>;
}

const LIMIT = 20;
let offset = 0;

function breakdownOf(lines: Array<Record<string, unknown>>): Html {
  const label = (line: Record<string, unknown>) => String(line.tool ?? line.model ?? line.type ?? line.kind ?? 'line');
  const details = (line: Record<string, unknown>) =>
    Object.entries(line)
      .filter(([key, value]) => !['tool', 'model', 'credits', 'type'].includes(key) && value !== null && typeof value !== 'object')
      .map(([key, value]) => `${key.replace(/_/g, ' ')} ${String(value)}`)
      .join(', ');
  return html`<details><summary>${lines.length} line${lines.length === 1 ? '' : 's'}</summary><ul class="breakdown">${lines.map(
    (line) => html`<li><strong>${label(line)}</strong>: ${formatCredits(Number(line.credits ?? 0))} credits <span class="muted">${details(line)}</span></li>`,
  )}</ul></details>`;
}

export const transactionsPage: Page = {
  path: 'transactions',
  label: 'Transactions',
  role: 'account',
  async render() {
    const page = await apiGet<{ data: Transaction[]; meta: { total: number; limit: number; offset: number } }>(`/v1/credits/transactions?expand=breakdown&limit=${LIMIT}&offset=${offset}`);
    if (page.data.length === 0) return html`<p class="empty">No transactions yet.</p>`;
    return html`<div class="table-wrap"><table>
<caption class="visually-hidden">Credit transactions, newest first</caption>
<thead><tr><th scope="col">When</th><th scope="col">Type</th><th scope="col">Description</th><th scope="col" class="num">Credits</th><th scope="col" class="num">Balance after</th><th scope="col">Breakdown</th></tr></thead>
<tbody>${page.data.map(
      (t) => html`<tr><td>${formatDateTime(t.created_at)}</td><td>${t.type}</td><td>${t.description ?? ''}</td><td class="num">${formatCredits(t.amount)}</td><td class="num">${formatCredits(t.balance_after)}</td><td>${t.breakdown ? breakdownOf(t.breakdown) : ''}</td></tr>`,
    )}</tbody></table></div>${pager(page.meta, 'transactions-page')}`;
  },
  actions: {
    async 'transactions-page'(ctx, button) {
      offset = Number(button.dataset.offset ?? 0);
      await ctx.refresh();
    },
  },
};
