import { apiGet, apiJson, ApiError } from '../api-client';
import { browser } from '../browser';
import { formatDateTime, previousPeriod } from '../format';
import { html, type Html } from '../html';
import { field, region, type Page, type PageContext } from '../page';

/** Month-end closes: start one, follow its progress live, see each account that failed and why. */
interface Close {
  period: string;
  status: string;
  accounts_total: number;
  accounts_done: number;
  failures: Array<{ account_id: string; reason: string }>;
  workflow_id: string;
  started_at: string;
  finished_at: string | null;
}

let shown: string | null = null;
let following = 0; // the newest follow wins: an older one stops at its next tick

function closeView(ctx: PageContext, close: Close): Html {
  return html`<h3>Close of ${close.period}: <span data-testid="close-status">${close.status}</span></h3>
<p><label for="close-progress">Accounts closed</label>
<progress id="close-progress" max="${Math.max(1, close.accounts_total)}" value="${close.accounts_done}"></progress>
<span data-testid="close-count">${close.accounts_done} of ${close.accounts_total}</span></p>
<dl class="facts"><dt>Workflow</dt><dd>${ctx.workflowLink(close.workflow_id)}</dd><dt>Started</dt><dd>${formatDateTime(close.started_at)}</dd><dt>Finished</dt><dd>${formatDateTime(close.finished_at)}</dd></dl>
${close.failures.length === 0 ? html`<p>No failures.</p>` : html`<table><caption>Accounts that failed</caption><thead><tr><th scope="col">Account</th><th scope="col">Reason</th></tr></thead>
<tbody>${close.failures.map((f) => html`<tr><td><a href="#/admin/accounts/${encodeURIComponent(f.account_id)}">${f.account_id}</a></td><td>${f.reason}</td></tr>`)}</tbody></table>`}`;
}

/**
 * Shows the close of `period` and keeps it current until it finishes. A close just started may
 * not be recorded yet (its workflow records it), so then a 404 means "starting", not "none".
 */
function follow(ctx: PageContext, period: string, justStarted: boolean): void {
  shown = period;
  const mine = ++following;
  let announced = false;
  ctx.poll(1000, async () => {
    if (mine !== following) return false;
    try {
      const close = await apiGet<Close>(`/v1/admin/closes/${encodeURIComponent(period)}`);
      if (mine !== following) return false;
      ctx.region('close', closeView(ctx, close));
      const done = close.status !== 'running'; // completed, or completed_with_failures
      if (done && !announced) ctx.announce(`Close of ${period} ${close.status}`);
      announced = done;
      return !done;
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 404) throw error;
      if (mine !== following) return false;
      ctx.region('close', justStarted ? html`<p role="status">Close of ${period} starting…</p>` : html`<p>No close has been started for ${period}.</p>`);
      return justStarted;
    }
  });
}

export const closesPage: Page = {
  path: 'admin/closes',
  label: 'Closes',
  role: 'admin',
  async render(ctx) {
    const period = shown ?? previousPeriod(new Date());
    setTimeout(() => follow(ctx, period, false), 0);
    return html`<form data-form="close-start" class="inline">
<label for="close-period">Period (YYYY-MM)</label>
<input id="close-period" name="period" value="${period}" pattern="\\d{4}-\\d{2}" required size="8">
<button type="submit" class="primary">Start close</button>
<button type="button" data-action="close-show">Show progress</button>
</form>
${region('close')}
<details class="settings"><summary>Temporal UI address</summary>
<form data-form="temporal-ui" class="inline"><label for="temporal-ui">Temporal Web UI URL</label>
<input id="temporal-ui" name="url" type="url" placeholder="http://127.0.0.1:8233" value="${browser.localStorage.getItem('settle.console.temporalUi') ?? ''}">
<button type="submit">Save</button></form>
<p class="muted">Workflow ids become links to it. The server sets it with TEMPORAL_UI_URL.</p></details>`;
  },
  actions: {
    async 'close-start'(ctx, form) {
      const period = field(form, 'period');
      await apiJson('POST', '/v1/admin/closes', { period });
      ctx.announce(`Close of ${period} started`);
      follow(ctx, period, true);
    },
    async 'close-show'(ctx, button) {
      const form = button.closest('form');
      if (form) follow(ctx, field(form, 'period'), false);
    },
    async 'temporal-ui'(ctx, form) {
      browser.localStorage.setItem('settle.console.temporalUi', field(form, 'url'));
      await ctx.refresh();
    },
  },
};
