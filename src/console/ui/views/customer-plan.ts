import { apiGet, apiJson } from '../api-client';
import { formatCredits, formatDate, formatMoney } from '../format';
import { html } from '../html';
import { region, type Page } from '../page';

/** The plan and its Stripe subscription: subscribe through Checkout, switch, cancel at period end or resume. */
interface Subscription {
  plan: string;
  status: string;
  usage: { creditsUsed: number; creditsLimit: number; percentUsed: number };
  pending_plan: string | null;
  cancel_at_period_end: boolean;
  current_period_start: string;
  current_period_end: string;
  latest_invoice: { id: string; status: string | null; amount_due: number; currency: string } | null;
}

interface Plan {
  id: string;
  name: string;
  monthlyPrice: number;
  currency: string;
  creditsIncluded: number;
  overageAllowed: boolean;
}

export const planPage: Page = {
  path: 'plan',
  label: 'Plan',
  role: 'account',
  async render() {
    const [subscription, plans] = await Promise.all([apiGet<Subscription>('/v1/subscription'), apiGet<{ availablePlans: Plan[] }>('/v1/plans')]);
    const subscribed = subscription.status !== 'none' && subscription.status !== 'canceled';
    const choices = plans.availablePlans.filter((plan) => plan.id !== subscription.plan && plan.monthlyPrice > 0);
    return html`<section aria-labelledby="current-h">
<h2 id="current-h">Current plan: ${subscription.plan}</h2>
<dl class="facts">
<dt>Status</dt><dd>${subscription.status}${subscription.cancel_at_period_end ? ' (ends at period end)' : ''}</dd>
<dt>Period</dt><dd>${formatDate(subscription.current_period_start)} – ${formatDate(subscription.current_period_end)}</dd>
<dt>Used</dt><dd>${formatCredits(subscription.usage.creditsUsed)} of ${formatCredits(subscription.usage.creditsLimit)} credits (${subscription.usage.percentUsed}%)</dd>
${subscription.pending_plan ? html`<dt>Next period</dt><dd>${subscription.pending_plan}</dd>` : ''}
${subscription.latest_invoice ? html`<dt>Latest Stripe invoice</dt><dd>${subscription.latest_invoice.status ?? 'open'}, ${formatMoney(subscription.latest_invoice.amount_due, subscription.latest_invoice.currency)}</dd>` : ''}
</dl>
${subscribed ? html`<p>${subscription.cancel_at_period_end ? html`<button type="button" data-action="resume">Keep the subscription</button>` : html`<button type="button" data-action="cancel">Cancel at period end</button>`}</p>` : ''}
</section>
<section aria-labelledby="plans-h">
<h2 id="plans-h">${subscribed ? 'Switch plan' : 'Subscribe'}</h2>
${choices.length === 0 ? html`<p class="empty">No other paid plan to choose.</p>` : ''}
<ul class="plans">${choices.map(
      (plan) => html`<li class="card"><h3>${plan.name}</h3><p class="figure">${formatMoney(plan.monthlyPrice, plan.currency)}<span class="muted"> / month</span></p>
<p>${formatCredits(plan.creditsIncluded)} credits included${plan.overageAllowed ? ', overage allowed' : ''}</p>
<button type="button" data-action="${subscribed ? 'change' : 'subscribe'}" data-plan="${plan.id}">${subscribed ? `Switch to ${plan.name}` : `Subscribe to ${plan.name}`}</button></li>`,
    )}</ul>
${region('plan')}
</section>`;
  },
  actions: {
    async subscribe(ctx, button) {
      const checkout = await apiJson<{ checkout_url: string }>('POST', '/v1/subscription/checkout', { plan: button.dataset.plan });
      ctx.go(checkout.checkout_url);
    },
    async change(ctx, button) {
      await apiJson('POST', '/v1/subscription/change', { plan: button.dataset.plan });
      await ctx.refresh();
      ctx.announce(`Plan change to ${button.dataset.plan ?? ''} requested`);
    },
    async cancel(ctx) {
      await apiJson('POST', '/v1/subscription/cancel', { at_period_end: true });
      await ctx.refresh();
      ctx.announce('The subscription ends at the end of the period');
    },
    async resume(ctx) {
      await apiJson('POST', '/v1/subscription/resume', {});
      await ctx.refresh();
      ctx.announce('The subscription continues');
    },
  },
};
