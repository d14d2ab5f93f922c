import type { WebhookHandler } from './webhook-context';
import { handleCheckoutSessionEvent } from './handlers/checkout-session.handler';
import { handleChargeRefunded } from './handlers/charge-refunded.handler';
import { handlePaymentIntentEvent } from './handlers/payment-intent.handler';
import { handleConnectAccountUpdated } from './handlers/account-updated.handler';
import { handleSubscriptionChange, handleSubscriptionInvoice } from '../subscriptions/handlers/subscription-events.handler';

/**
 * Stripe event type → handler. Every other type is recorded in the inbox and answered 2xx.
 * Another domain adds its event with one line here (e.g. payouts' `account.updated`).
 */
export const webhookHandlers: Readonly<Record<string, WebhookHandler>> = {
  'checkout.session.completed': handleCheckoutSessionEvent,
  'checkout.session.async_payment_succeeded': handleCheckoutSessionEvent,
  'checkout.session.async_payment_failed': handleCheckoutSessionEvent,
  'checkout.session.expired': handleCheckoutSessionEvent,
  'charge.refunded': handleChargeRefunded,
  'payment_intent.succeeded': handlePaymentIntentEvent,
  'payment_intent.payment_failed': handlePaymentIntentEvent,
  'account.updated': handleConnectAccountUpdated,
  'customer.subscription.created': handleSubscriptionChange,
  'customer.subscription.updated': handleSubscriptionChange,
  'customer.subscription.deleted': handleSubscriptionChange,
  'invoice.paid': handleSubscriptionInvoice,
  'invoice.payment_failed': handleSubscriptionInvoice,
};
