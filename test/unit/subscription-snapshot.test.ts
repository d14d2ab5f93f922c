import { snapshotOfSubscription, stripeSubscriptionSchema } from '../../src/subscriptions/stripe-subscription';

const item = (id: string, lookupKey: string, usageType: 'licensed' | 'metered', kind: string) => ({
  id: `si_${id}`,
  price: { id: `price_${id}`, lookup_key: lookupKey, metadata: { settle_plan: 'pro', settle_kind: kind }, recurring: { usage_type: usageType } },
  current_period_start: 1_790_000_000,
  current_period_end: 1_792_000_000,
});

describe('a Stripe subscription read into what Settle keeps', () => {
  it('tells the credit overage item from the token overage item, whatever their order', () => {
    const subscription = stripeSubscriptionSchema.parse({
      id: 'sub_1',
      object: 'subscription',
      customer: 'cus_1',
      status: 'active',
      items: {
        data: [
          item('tokens', 'settle:pro:token_overage', 'metered', 'token_overage'),
          item('fee', 'settle:pro:fee', 'licensed', 'fee'),
          item('credits', 'settle:pro:overage', 'metered', 'overage'),
        ],
      },
    });
    expect(snapshotOfSubscription(subscription)).toMatchObject({ planId: 'pro', feePriceId: 'price_fee', overagePriceId: 'price_credits' });
  });

  it('knows a token overage price by its lookup key alone (no metadata): never the credit overage item', () => {
    const tokensOnly = item('tokens', 'settle:team:token_overage', 'metered', 'token_overage');
    const subscription = stripeSubscriptionSchema.parse({
      id: 'sub_2', object: 'subscription', customer: 'cus_2', status: 'active', metadata: { plan: 'team' },
      items: { data: [{ ...tokensOnly, price: { ...tokensOnly.price, metadata: {} } }] },
    });
    expect(snapshotOfSubscription(subscription)).toMatchObject({ planId: 'team', feePriceId: null, overagePriceId: null });
  });
});
