import { apiGet, apiJson } from '../api-client';
import { formatCredits, formatDate, formatMoney } from '../format';
import { html } from '../html';
import { field, region, type Page } from '../page';
import { usageChart, type ChartBar } from '../usage-chart';

/** Balance, this period's usage by day, tool and model, and buying credits. */
interface Credits {
  credits: number;
  used_this_period: number;
  included_credits: number;
  reset_date: string | null;
  plan: string;
}

async function usageBars(groupBy: 'day' | 'tool' | 'model'): Promise<ChartBar[]> {
  const usage = await apiGet<{ usage: Array<Record<string, unknown>> }>(`/v1/billing/usage?group_by=${groupBy}`);
  const bars = usage.usage.map((row) => ({ label: String(row[groupBy] ?? '—'), value: Number(row.credits_used ?? 0) }));
  // Days read in calendar order; tools and models stay as the API ranks them (most used first).
  return groupBy === 'day' ? bars.sort((a, b) => a.label.localeCompare(b.label)) : bars;
}

export const overviewPage: Page = {
  path: 'overview',
  label: 'Overview',
  role: 'account',
  async render() {
    const [credits, byDay, byTool, byModel] = await Promise.all([
      apiGet<Credits>('/v1/billing/credits'),
      usageBars('day'),
      usageBars('tool'),
      usageBars('model'),
    ]);
    return html`<section aria-labelledby="balance-h" class="cards">
<h2 id="balance-h" class="visually-hidden">Balance</h2>
<div class="card"><p class="card-label">Balance</p><p class="figure" data-testid="balance">${formatCredits(credits.credits)}</p><p>credits</p></div>
<div class="card"><p class="card-label">Used this period</p><p class="figure">${formatCredits(credits.used_this_period)}</p><p>of ${formatCredits(credits.included_credits)} included</p></div>
<div class="card"><p class="card-label">Plan</p><p class="figure">${credits.plan}</p><p>resets ${formatDate(credits.reset_date)}</p></div>
</section>
<section aria-labelledby="buy-h">
<h2 id="buy-h">Buy credits</h2>
<form data-form="buy" class="inline">
<label for="buy-amount">Credits to buy</label>
<input id="buy-amount" name="amount" type="number" min="10" step="1" value="100" required inputmode="numeric">
<button type="submit" class="primary">Buy credits</button>
</form>
${region('buy')}
</section>
<section aria-labelledby="usage-h">
<h2 id="usage-h">Usage this period</h2>
<div class="charts">
<div><h3>By day</h3>${usageChart('Credits used by day', byDay)}</div>
<div><h3>By tool</h3>${usageChart('Credits used by tool', byTool)}</div>
<div><h3>By model</h3>${usageChart('Credits used by model', byModel)}</div>
</div>
</section>`;
  },
  actions: {
    // Like Stripe Checkout: the tab goes to the payment page, whose "back" link returns here.
    async buy(ctx, form) {
      const amount = Number(field(form, 'amount'));
      const purchase = await apiJson<{ purchase_id: string; checkout_url: string; amount_due: number; currency: string }>('POST', '/v1/billing/credits/purchase', { amount });
      ctx.region('buy', html`<p role="status">Purchase ${purchase.purchase_id}: ${formatMoney(purchase.amount_due, purchase.currency)} due. Opening the payment page…</p>`);
      ctx.go(purchase.checkout_url);
    },
  },
};
