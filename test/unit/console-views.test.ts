import { checkoutTarget } from '../../src/console/ui/checkout-target';
import { previousPeriod } from '../../src/console/ui/format';
import { html, Html } from '../../src/console/ui/html';
import { barLengths, usageChart } from '../../src/console/ui/usage-chart';

/** The console's pure pieces: escaping, chart arithmetic, the default close month, where a checkout opens. */
describe('html', () => {
  it.each([
    ['plain text', 'Acme', 'Acme'],
    ['markup from the API stays text', '<img src=x onerror=alert(1)>', '&lt;img src=x onerror=alert(1)&gt;'],
    ['quotes cannot leave an attribute', `" onclick="x'`, '&quot; onclick=&quot;x&#39;'],
    ['ampersands', 'R&D', 'R&amp;D'],
  ])('%s', (_case, value, expected) => {
    expect(html`<td title="${value}">${value}</td>`.text).toBe(`<td title="${expected}">${expected}</td>`);
  });

  it('nests views without escaping them twice, and drops null, undefined and false', () => {
    const inner = html`<b>${'a<b'}</b>`;
    expect(html`<p>${inner}${null}${undefined}${false}${[html`<i>1</i>`, 2]}</p>`.text).toBe('<p><b>a&lt;b</b><i>1</i>2</p>');
    expect(inner).toBeInstanceOf(Html);
  });
});

describe('barLengths', () => {
  it.each([
    [[], 100, []],
    [[0, 0], 100, [0, 0]],
    [[10, 5, 0], 100, [100, 50, 0]],
    [[1000, 1], 100, [100, 1]], // a tiny use still shows
    [[3, 3], 90, [90, 90]],
    [[-2, 4], 10, [0, 10]], // a negative figure (a refund) draws no bar
  ])('%j in %i units → %j', (values, max, expected) => {
    expect(barLengths(values, max)).toEqual(expected);
  });

  it('draws one bar and one table row per group, with the label escaped', () => {
    const chart = usageChart('Credits used by tool', [{ label: '<x>', value: 2 }, { label: 'b', value: 1 }]).text;
    expect(chart.match(/<rect /g)).toHaveLength(2);
    expect(chart.match(/<tr><td>/g)).toHaveLength(2);
    expect(chart).toContain('&lt;x&gt;');
    expect(chart).not.toContain('<x>');
    expect(usageChart('Credits used by day', []).text).toContain('No usage in this period yet.');
  });
});

describe('previousPeriod', () => {
  it.each([
    ['2026-12-04T10:00:00Z', '2026-11'],
    ['2026-01-01T00:00:00Z', '2025-12'],
    ['2026-03-31T23:59:59Z', '2026-02'],
  ])('%s → %s', (now, expected) => {
    expect(previousPeriod(new Date(now))).toBe(expected);
  });
});

describe('checkoutTarget', () => {
  it.each([
    ['the local payment page opens on the console origin', 'http://localhost:8080/dev/checkout/pur_abc123', 'http://127.0.0.1:4000', 'http://127.0.0.1:4000/dev/checkout/pur_abc123'],
    ['a subscription page too', 'https://settle.example.com/dev/checkout/sub.acct_x.pro', 'http://127.0.0.1:4000', 'http://127.0.0.1:4000/dev/checkout/sub.acct_x.pro'],
    ["Stripe's hosted page as given", 'https://checkout.stripe.com/c/pay/cs_test_123', 'http://127.0.0.1:4000', 'https://checkout.stripe.com/c/pay/cs_test_123'],
    ['a deeper /dev/checkout path is not the payment page', 'https://checkout.example.com/dev/checkout/a/b', 'http://127.0.0.1:4000', 'https://checkout.example.com/dev/checkout/a/b'],
    ['not a URL: unchanged', 'nonsense', 'http://127.0.0.1:4000', 'nonsense'],
  ])('%s', (_case, url, origin, expected) => {
    expect(checkoutTarget(url, origin)).toBe(expected);
  });
});
