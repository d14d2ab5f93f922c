import type { Config } from '../config/config';
import { publicUrl } from '../config/public-url';

/**
 * The local payment page stands in for Stripe's hosted Checkout when Settle talks to stripe-mock
 * (STRIPE_SECRET_KEY unset): stripe-mock answers every session with the same fixture and its
 * `url` leads nowhere. With a real Stripe key the page does not exist at all.
 */
export function usesLocalPaymentPage(config: Pick<Config, 'STRIPE_SECRET_KEY'>): boolean {
  return !config.STRIPE_SECRET_KEY;
}

/** What a local session sells: a purchase (our payment order) or a plan for an account. */
export type DevCheckoutRef = { kind: 'purchase'; purchaseId: string } | { kind: 'subscription'; accountId: string; plan: string };

// stripe-mock gives every session the same id, so our own ids name the page.
const PURCHASE = /^pur_[a-z0-9]{1,40}$/;
const SUBSCRIPTION = /^sub\.(acct_[a-z0-9]{1,40})\.([a-z0-9][a-z0-9_-]{0,63})$/;

export function devCheckoutRefText(ref: DevCheckoutRef): string {
  return ref.kind === 'purchase' ? ref.purchaseId : `sub.${ref.accountId}.${ref.plan}`;
}

export function parseDevCheckoutRef(text: string): DevCheckoutRef | null {
  if (PURCHASE.test(text)) return { kind: 'purchase', purchaseId: text };
  const match = SUBSCRIPTION.exec(text);
  return match ? { kind: 'subscription', accountId: match[1]!, plan: match[2]! } : null;
}

export function devCheckoutUrl(config: Pick<Config, 'PUBLIC_URL' | 'PORT'>, ref: DevCheckoutRef): string {
  return publicUrl(config, `/dev/checkout/${devCheckoutRefText(ref)}`);
}
