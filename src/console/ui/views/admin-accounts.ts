import { apiGet } from '../api-client';
import { formatCredits } from '../format';
import { html, type Html } from '../html';
import { field, pager, type Page } from '../page';

/** Finance ops: find an account by name, email or id (filter by plan), and open its detail. */
interface AccountRow {
  id: string;
  name: string;
  email?: string | null;
  plan: string;
  balance?: number;
  created_at?: string;
}

const LIMIT = 25;
const search = { query: '', plan: '', offset: 0 };

/** A value of the detail answer as text or a nested list: the detail grows with the API, the view need not. */
function valueView(value: unknown): Html {
  if (value === null || value === undefined) return html`—`;
  if (Array.isArray(value)) return value.length === 0 ? html`none` : html`<ul>${value.map((item) => html`<li>${valueView(item)}</li>`)}</ul>`;
  if (typeof value === 'object') return factsView(value as Record<string, unknown>);
  return html`${String(value)}`;
}

function factsView(object: Record<string, unknown>): Html {
  return html`<dl class="facts">${Object.entries(object).map(([key, value]) => html`<dt>${key.replace(/_/g, ' ')}</dt><dd>${valueView(value)}</dd>`)}</dl>`;
}

export const accountsPage: Page = {
  path: 'admin/accounts',
  label: 'Accounts',
  role: 'admin',
  async render() {
    const query = new URLSearchParams({ limit: String(LIMIT), offset: String(search.offset) });
    if (search.query) query.set('query', search.query);
    if (search.plan) query.set('plan', search.plan);
    const page = await apiGet<{ data: AccountRow[]; meta: { total: number; limit: number; offset: number } }>(`/v1/admin/accounts?${query.toString()}`);
    return html`<form data-form="account-search" class="inline" role="search">
<label for="account-query">Name, email or id</label><input id="account-query" name="query" type="search" value="${search.query}">
<label for="account-plan">Plan</label><input id="account-plan" name="plan" value="${search.plan}" size="10">
<button type="submit">Search</button></form>
${page.data.length === 0 ? html`<p class="empty">No account matches.</p>` : html`<div class="table-wrap"><table>
<caption class="visually-hidden">Accounts</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Id</th><th scope="col">Email</th><th scope="col">Plan</th><th scope="col" class="num">Balance</th></tr></thead>
<tbody>${page.data.map(
      (account) => html`<tr><td><a href="#/admin/accounts/${encodeURIComponent(account.id)}">${account.name}</a></td><td><code>${account.id}</code></td><td>${account.email ?? ''}</td><td>${account.plan}</td><td class="num">${account.balance === undefined ? '' : formatCredits(account.balance)}</td></tr>`,
    )}</tbody></table></div>`}
${pager(page.meta, 'accounts-page')}`;
  },
  actions: {
    async 'account-search'(ctx, form) {
      search.query = field(form, 'query');
      search.plan = field(form, 'plan');
      search.offset = 0;
      await ctx.refresh();
    },
    async 'accounts-page'(ctx, button) {
      search.offset = Number(button.dataset.offset ?? 0);
      await ctx.refresh();
    },
  },
};

export const accountDetailPage: Page = {
  path: 'admin/accounts/',
  label: 'Account',
  role: 'admin',
  hidden: true,
  async render(ctx) {
    const id = ctx.params[0] ?? '';
    const account = await apiGet<Record<string, unknown>>(`/v1/admin/accounts/${encodeURIComponent(id)}`);
    return html`<p><a href="#/admin/accounts">← All accounts</a></p><h2>${String(account.name ?? id)}</h2>${factsView(account)}`;
  },
};
