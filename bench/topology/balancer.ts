import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Balancer {
  url: string;
  /** Requests a backend answered, by status class, and those no backend answered (the LB's 502). */
  counts: { forwarded: number; retriedElsewhere: number; noBackend: number };
  close(): Promise<void>;
}

/**
 * A round-robin load balancer in a few lines of node:http, standing in for nginx or a cloud LB.
 * Like nginx's `proxy_next_upstream error`, a connection a backend refuses (it is restarting) is
 * tried on the next one: the request never reached any process, so this is always safe. A
 * connection that broke after the request was sent is not retried: the client gets a 502.
 * Every request opens its own backend connection, so a draining API closes no idle socket the
 * balancer was about to reuse.
 */
export async function startBalancer(port: number, backends: number[]): Promise<Balancer> {
  let next = 0;
  const counts = { forwarded: 0, retriedElsewhere: 0, noBackend: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const first = next++ % backends.length;
      const attempt = (tried: number) => {
        const backend = backends[(first + tried) % backends.length]!;
        const upstream = http.request(
          { host: '127.0.0.1', port: backend, method: req.method, path: req.url, headers: { ...req.headers, connection: 'close' }, agent: false },
          (answer) => {
            counts.forwarded += 1;
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        upstream.on('error', (error: NodeJS.ErrnoException) => {
          if (error.code === 'ECONNREFUSED' && tried + 1 < backends.length * 2) {
            counts.retriedElsewhere += 1;
            setTimeout(() => attempt(tried + 1), tried + 1 >= backends.length ? 100 : 0);
            return;
          }
          counts.noBackend += 1;
          if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { code: 'bad_gateway', message: `no backend answered: ${error.code ?? error.message}`, details: {} } }));
        });
        upstream.end(body);
      };
      attempt(0);
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
