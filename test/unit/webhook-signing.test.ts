import { Webhook } from 'standardwebhooks';
import { isPrivateAddress } from '../../src/outgoing-webhooks/compute/private-address';
import { newWebhookSecret, webhookHeaders } from '../../src/outgoing-webhooks/compute/signature';

describe('Standard Webhooks signatures, checked by the independent standardwebhooks package', () => {
  const body = JSON.stringify({ id: 'evt_1', type: 'credits.low_balance', data: { balance: 1.5 } });
  const now = Math.floor(Date.now() / 1000);

  it('one secret: the library verifies it, and refuses a changed body, id or timestamp', () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const headers = webhookHeaders({ id: 'evt_1', timestamp: now, body, secrets: [secret] });
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new Webhook(secret).sign('evt_1', new Date(now * 1000), body)).toBe(headers['webhook-signature']);
    expect(() => new Webhook(secret).verify(`${body} `, headers)).toThrow();
    expect(() => new Webhook(secret).verify(body, { ...headers, 'webhook-id': 'evt_2' })).toThrow();
    expect(() => new Webhook(secret).verify(body, { ...headers, 'webhook-timestamp': String(now + 1) })).toThrow();
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow();
  });

  it('two secrets during a rotation: a receiver with either one verifies', () => {
    const [current, previous] = [newWebhookSecret(), newWebhookSecret()];
    const headers = webhookHeaders({ id: 'evt_1', timestamp: now, body, secrets: [current, previous] });
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(new Webhook(current).verify(body, headers)).toBeTruthy();
    expect(new Webhook(previous).verify(body, headers)).toBeTruthy();
  });
});

describe('isPrivateAddress (SSRF)', () => {
  it.each<[string, boolean]>([
    ['127.0.0.1', true],
    ['127.255.0.9', true],
    ['10.1.2.3', true],
    ['172.16.0.1', true],
    ['172.31.255.255', true],
    ['172.32.0.1', false],
    ['192.168.1.1', true],
    ['169.254.169.254', true],
    ['100.64.0.1', true],
    ['0.0.0.0', true],
    ['224.0.0.1', true],
    ['8.8.8.8', false],
    ['93.184.216.34', false],
    ['::1', true],
    ['::', true],
    ['fd00::1', true],
    ['fe80::1', true],
    ['::ffff:127.0.0.1', true],
    ['::ffff:8.8.8.8', false],
    ['2606:4700:4700::1111', false],
    ['not-an-ip', false],
  ])('%s → %s', (address, blocked) => {
    expect(isPrivateAddress(address)).toBe(blocked);
  });
});
