import { loadConfig } from '../../src/config/config';
import { parseDevCheckoutRef, usesLocalPaymentPage } from '../../src/dev-checkout/dev-checkout-url';

const production = {
  DATABASE_URL: 'postgres://u:p@db:5432/settle',
  TEMPORAL_ADDRESS: 'temporal:7233',
  ADMIN_API_KEY: 'sk_settle_admin_key_that_is_long_enough',
  STRIPE_SECRET_KEY: 'sk_test_abc',
  STRIPE_WEBHOOK_SECRET: 'whsec_abc',
};

describe('SEED_DEMO_CATALOG: on for npm start, off in production mode unless asked', () => {
  it.each([
    [{}, 'embedded', true],
    [{ SEED_DEMO_CATALOG: 'false' }, 'embedded', false],
    [{ SEED_DEMO_CATALOG: '' }, 'embedded', true], // FOO= means not set
    [production, 'production', false],
    [{ ...production, SEED_DEMO_CATALOG: 'true' }, 'production', true],
  ] as const)('%j in %s mode → %s', (env, mode, seeded) => {
    expect(loadConfig(env, mode).SEED_DEMO_CATALOG).toBe(seeded);
  });
});

describe('the local payment page', () => {
  it.each([
    [{}, true],
    [{ STRIPE_SECRET_KEY: 'sk_test_abc' }, false],
  ])('with %j it stands in for Stripe Checkout: %s', (env, local) => {
    expect(usesLocalPaymentPage(env)).toBe(local);
  });

  it.each([
    ['pur_abc123', { kind: 'purchase', purchaseId: 'pur_abc123' }],
    ['sub.acct_abc123.pro', { kind: 'subscription', accountId: 'acct_abc123', plan: 'pro' }],
    ['sub.acct_abc123.team-plan_2', { kind: 'subscription', accountId: 'acct_abc123', plan: 'team-plan_2' }],
    ['cs_test_a1', null],
    ['pur_ABC', null],
    ['sub.acct_abc.Pro', null],
    ['sub.acct_abc', null],
    ['pur_abc/../x', null],
  ])('names %s as %j', (text, ref) => {
    expect(parseDevCheckoutRef(text)).toEqual(ref);
  });
});
