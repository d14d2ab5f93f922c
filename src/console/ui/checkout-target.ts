/**
 * Where the console sends the tab for a checkout. Stripe's hosted page is opened as given; the
 * local payment page (stripe-mock) is served by this same service, so it is opened on the origin
 * the console itself was loaded from: the URL the API builds names PUBLIC_URL or its configured
 * port, which need not be how this browser reached it (a proxy, another host name, a free port).
 */
const LOCAL_PAYMENT_PAGE = /^\/dev\/checkout\/[^/?#]+$/;

export function checkoutTarget(checkoutUrl: string, consoleOrigin: string): string {
  let url: URL;
  try {
    url = new URL(checkoutUrl);
  } catch {
    return checkoutUrl;
  }
  return LOCAL_PAYMENT_PAGE.test(url.pathname) ? `${consoleOrigin}${url.pathname}${url.search}` : checkoutUrl;
}
