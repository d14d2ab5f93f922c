import type { Request } from 'express';
import { z } from 'zod';
import type { Config } from '../config/config';
import { defineRoute, type RouteSpec } from '../http/route';
import { AppError } from '../shared/errors';
import { renderDevCheckoutPage, type PageMessage } from './dev-checkout-page';
import { DEV_CHECKOUT_ACTIONS, loadDevCheckout, sendDevCheckoutAction } from './dev-checkout.service';
import { devCheckoutRefText, parseDevCheckoutRef, usesLocalPaymentPage, type DevCheckoutRef } from './dev-checkout-url';

const sessionParam = z
  .string()
  .max(200)
  .transform((text, ctx) => {
    const ref = parseDevCheckoutRef(text);
    if (!ref) ctx.addIssue({ code: 'custom', message: 'must be a purchase id (pur_…) or sub.<account id>.<plan>' });
    return ref as DevCheckoutRef;
  })
  .meta({ description: 'the purchase id (pur_…), or sub.<account id>.<plan> for a subscription checkout' });

const sentEvents = z.object({
  session: z.string(),
  action: z.enum(DEV_CHECKOUT_ACTIONS),
  events: z.array(z.object({ id: z.string(), type: z.string(), status: z.number().int().meta({ description: 'what the webhook endpoint answered' }) })),
});

/** This very process, as the request reached it: the page's events go to its own webhook endpoint. */
function ownOrigin(req: Request): string {
  const address = (req.socket.localAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
  const host = address === '::' || address === '0.0.0.0' ? '127.0.0.1' : address.includes(':') ? `[${address}]` : address;
  return `http://${host}:${req.socket.localPort}`;
}

// Browsers submitting the page's forms ask for HTML; API clients (the CLI, curl) get JSON.
const wantsJson = (req: Request) => req.accepts(['json', 'html']) === 'json';

const MESSAGES: Record<string, string> = {
  pay: 'Payment sent: the signed checkout event was delivered; the credits appear once it is settled.',
  'pay-later': 'The session completed with a delayed payment method: now choose whether it is paid or fails.',
  fail: 'The payment failed: the failure event was delivered.',
  expire: 'The session expired: the expiry event was delivered.',
};

/**
 * GET /dev/checkout/:session and its buttons. Only when Settle talks to stripe-mock: with
 * STRIPE_SECRET_KEY set these routes are neither mounted nor documented.
 */
export function devCheckoutRoutes(config: Pick<Config, 'STRIPE_SECRET_KEY'>): RouteSpec[] {
  if (!usesLocalPaymentPage(config)) return [];
  return [
    defineRoute({
      method: 'get',
      path: '/dev/checkout/:session',
      summary: 'Local payment page (stripe-mock only): what is bought, with Pay, Pay later, Fail and Expire',
      tag: 'Local checkout',
      access: 'public',
      params: z.object({ session: sessionParam }),
      query: z.object({ sent: z.enum(DEV_CHECKOUT_ACTIONS).optional() }),
      response: { status: 200, description: 'the page', contentType: 'text/html' },
      handler: async ({ params, query, deps, res }) => {
        const view = await loadDevCheckout(deps, params.session);
        const message: PageMessage | null = query.sent ? { kind: 'status', text: MESSAGES[query.sent]! } : null;
        res.status(200).type('html').set('cache-control', 'no-store').send(renderDevCheckoutPage(devCheckoutRefText(params.session), view, message));
        return undefined;
      },
    }),
    defineRoute({
      method: 'post',
      path: '/dev/checkout/:session/:action',
      summary: 'Press a button of the local payment page: sends the signed Stripe events to this service’s webhook (JSON with Accept: application/json; else back to the page)',
      tag: 'Local checkout',
      access: 'public',
      params: z.object({ session: sessionParam, action: z.enum(DEV_CHECKOUT_ACTIONS) }),
      errors: [404, 409],
      response: { status: 200, description: 'the events delivered', schema: sentEvents },
      handler: async ({ params, deps, req, res }) => {
        const session = devCheckoutRefText(params.session);
        try {
          const events = await sendDevCheckoutAction(deps, params.session, params.action, ownOrigin(req));
          if (wantsJson(req)) return { status: 200, body: { session, action: params.action, events } };
          res.redirect(303, `/dev/checkout/${encodeURIComponent(session)}?sent=${params.action}`);
          return undefined;
        } catch (error) {
          if (wantsJson(req) || !(error instanceof AppError) || error.status === 404) throw error;
          // A form post that cannot proceed (already paid, …): the page again, saying why.
          const view = await loadDevCheckout(deps, params.session);
          res.status(error.status).type('html').send(renderDevCheckoutPage(session, view, { kind: 'alert', text: error.message }));
          return undefined;
        }
      },
    }),
  ];
}
