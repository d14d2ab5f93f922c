import Stripe from 'stripe';

/** stripe-mock accepts any key that looks like a test key. */
export const STRIPE_MOCK_KEY = 'sk_test_123';

export function createStripe(options: { secretKey?: string; apiBase: string | null }): Stripe {
  const common: Stripe.StripeConfig = { maxNetworkRetries: 2, timeout: 20000, appInfo: { name: 'settle', version: '0.1.0' } };
  if (!options.apiBase) return new Stripe(options.secretKey!, common);
  const url = new URL(options.apiBase);
  return new Stripe(options.secretKey ?? STRIPE_MOCK_KEY, {
    ...common,
    host: url.hostname,
    port: Number(url.port),
    protocol: url.protocol.replace(':', '') as 'http' | 'https',
  });
}
