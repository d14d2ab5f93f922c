import { Writable } from 'node:stream';
import { targetNamedBy } from '../../src/audit/admin-write-audit';
import { breakdownFor } from '../../src/credits/provider-costs';
import { createLogger } from '../../src/shared/logger';

describe('breakdownFor', () => {
  const lines = [
    { type: 'model', model: 'm', credits: 450, provider_cost_usd: 4.5 },
    { type: 'tool', tool: 't', credits: 1 },
    { type: 'markup', credits: 90 },
  ];
  it.each([
    ['customer', [{ type: 'model', model: 'm', credits: 450 }, { type: 'tool', tool: 't', credits: 1 }, { type: 'markup', credits: 90 }]],
    ['operator', lines],
  ] as const)('%s sees %j', (audience, expected) => {
    expect(breakdownFor(lines, audience)).toEqual(expected);
  });
});

describe('targetNamedBy', () => {
  it.each<[unknown, string | null]>([
    [{ id: 'acct_1', api_key: 'sk_x' }, 'acct_1'],
    [{ key_id: 'key_1', revoked: true }, 'key_1'],
    [{ data: { id: 'vch_1' } }, 'vch_1'],
    [{ id: 42 }, null],
    [[{ id: 'x' }], null],
    [null, null],
    ['text', null],
  ])('%j → %s', (body, target) => {
    expect(targetNamedBy(body)).toBe(target);
  });
});

describe('log redaction', () => {
  it('censors keys, signatures and secrets wherever they appear', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _enc, done) => { lines.push(chunk.toString()); done(); } });
    const log = createLogger('info', sink);
    log.info({
      req: { headers: { authorization: 'Bearer sk_settle_secret1', 'stripe-signature': 't=1,v1=abc', accept: 'json' } },
      headers: { authorization: 'Bearer sk_settle_secret2' },
      config: { ADMIN_API_KEY: 'sk_settle_secret3', STRIPE_WEBHOOK_SECRET: 'whsec_secret4', PORT: 8080 },
      err: { config: { headers: { Authorization: 'x', authorization: 'Bearer sk_settle_secret5' } } },
      api_key: 'sk_settle_secret6',
      account: { id: 'acct_1', apiKey: 'sk_settle_secret7' },
    }, 'request');
    const text = lines.join('');
    for (let i = 1; i <= 7; i++) expect(text).not.toMatch(new RegExp(`secret${i}`));
    expect(text).not.toContain('v1=abc');
    const entry = JSON.parse(text) as { req: { headers: Record<string, string> }; config: Record<string, unknown>; account: Record<string, unknown> };
    expect(entry.req.headers).toEqual({ authorization: '[redacted]', 'stripe-signature': '[redacted]', accept: 'json' });
    expect(entry.config).toEqual({ ADMIN_API_KEY: '[redacted]', STRIPE_WEBHOOK_SECRET: '[redacted]', PORT: 8080 });
    expect(entry.account).toEqual({ id: 'acct_1', apiKey: '[redacted]' });
  });
});
