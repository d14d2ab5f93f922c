import { takenByLane } from '../../src/http/metering-lane';

/** The lane takes only the requests it serves exactly as Express would; the rest go to Express. */
describe('takenByLane', () => {
  type Probe = { method: string; url: string; headers: Record<string, string> };
  const plain: Probe = { method: 'POST', url: '/v1/usage', headers: { 'content-type': 'application/json', 'content-length': '52' } };
  it.each<[string, Partial<Probe>, boolean]>([
    ['a plain JSON metering call', {}, true],
    ['the charset named, in any case, quoted or not', { headers: { ...plain.headers, 'content-type': 'Application/JSON; Charset="UTF-8"' } }, true],
    ['another method', { method: 'GET' }, false],
    ['another path', { url: '/v1/usage/quote' }, false],
    ['a query string', { url: '/v1/usage?x=1' }, false],
    ['a trailing slash', { url: '/v1/usage/' }, false],
    ['another charset', { headers: { ...plain.headers, 'content-type': 'application/json; charset=latin1' } }, false],
    ['another media type', { headers: { ...plain.headers, 'content-type': 'text/plain' } }, false],
    ['no media type', { headers: { 'content-length': '52' } }, false],
    ['a compressed body', { headers: { ...plain.headers, 'content-encoding': 'gzip' } }, false],
    ['a chunked body', { headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, false],
    ['an empty body', { headers: { ...plain.headers, 'content-length': '0' } }, false],
    ['a body at the limit', { headers: { ...plain.headers, 'content-length': String(256 * 1024) } }, true],
    ['a body over the limit', { headers: { ...plain.headers, 'content-length': String(256 * 1024 + 1) } }, false],
  ])('%s', (_name, change, taken) => {
    expect(takenByLane({ ...plain, ...change })).toBe(taken);
  });
});
