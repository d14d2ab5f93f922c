import type { DevCheckoutView } from './dev-checkout.service';

/**
 * The local payment page: plain server-rendered HTML, no script and no CDN (it works offline), one
 * form per button so it works from the keyboard and with any browser.
 */
const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const STYLE = `
body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1a1d21}
main{max-width:32rem;margin:2rem auto;padding:1.5rem;background:#fff;border-radius:8px;box-shadow:0 1px 3px #0002}
h1{font-size:1.4rem;margin:0 0 .25rem}
.note{background:#fff6d6;border:1px solid #e6c200;padding:.5rem .75rem;border-radius:4px;font-size:.9rem}
.total{font-size:2rem;font-weight:600;margin:.5rem 0}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;font-size:.9rem}
dt{color:#555}dd{margin:0;word-break:break-all}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;margin-top:1rem}
.actions form{flex:1 1 10rem}
button{width:100%;padding:.75rem;font:inherit;border-radius:6px;border:1px solid #888;background:#fff;cursor:pointer}
button.primary{background:#1f5eff;border-color:#1f5eff;color:#fff}
button:focus-visible{outline:3px solid #ffbf47;outline-offset:2px}
[role=status]{margin-top:1rem;padding:.5rem .75rem;border-radius:4px;background:#e8f1ff}
[role=alert]{margin-top:1rem;padding:.5rem .75rem;border-radius:4px;background:#ffe8e8}
`;

const BUTTONS: Array<{ action: string; label: string; hint: string; primary?: boolean; whenWaiting: boolean; whenNotWaiting: boolean }> = [
  { action: 'pay', label: 'Pay', hint: 'the payment succeeds', primary: true, whenWaiting: true, whenNotWaiting: true },
  { action: 'pay-later', label: 'Pay later (async)', hint: 'a delayed method such as a bank debit: completed now, paid or failed later', whenWaiting: false, whenNotWaiting: true },
  { action: 'fail', label: 'Fail', hint: 'the payment fails', whenWaiting: true, whenNotWaiting: true },
  { action: 'expire', label: 'Expire', hint: 'the session expires unpaid', whenWaiting: true, whenNotWaiting: true },
];

export interface PageMessage {
  kind: 'status' | 'alert';
  text: string;
}

export function renderDevCheckoutPage(ref: string, view: DevCheckoutView, message: PageMessage | null): string {
  const base = `/dev/checkout/${encodeURIComponent(ref)}`;
  const buttons = view.open
    ? BUTTONS.filter((b) => (view.awaitingAsyncPayment ? b.whenWaiting : b.whenNotWaiting))
        .map(
          (b) => `<form method="post" action="${base}/${b.action}">
  <button type="submit"${b.primary ? ' class="primary"' : ''} aria-describedby="hint-${b.action}">${escapeHtml(b.label)}</button>
  <small id="hint-${b.action}">${escapeHtml(b.hint)}</small>
</form>`,
        )
        .join('\n')
    : '';
  // While a sent event is being settled, look again shortly (no script needed).
  const refresh = message?.kind === 'status' && view.open ? '<meta http-equiv="refresh" content="2">' : '';
  const details = [['Status', view.status], ...view.details]
    .map(([term, value]) => `<dt>${escapeHtml(term!)}</dt><dd${term === 'Status' ? ' data-testid="status"' : ''}>${escapeHtml(value!)}</dd>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
${refresh}<title>Pay ${escapeHtml(view.title)} · Settle local checkout</title><style>${STYLE}</style></head>
<body><main>
<p class="note">Local payment page: Settle is using stripe-mock, so no money moves. Each button sends the signed Stripe event that Stripe itself would send to this service's webhook.</p>
<h1>${escapeHtml(view.title)}</h1>
<p>for ${escapeHtml(view.accountName)}</p>
<p class="total" aria-label="Total">${escapeHtml(view.amount.toFixed(2))} ${escapeHtml(view.currency)}</p>
<dl>${details}</dl>
${view.awaitingAsyncPayment && view.open ? '<p>The payment is on its way (a delayed method): decide how it ends.</p>' : ''}
${buttons ? `<section class="actions" aria-label="Payment outcome">${buttons}</section>` : '<p>This checkout is closed.</p>'}
${message ? `<p role="${message.kind}">${escapeHtml(message.text)}</p>` : ''}
<p><a href="/console">Back to the console</a></p>
</main></body></html>`;
}
