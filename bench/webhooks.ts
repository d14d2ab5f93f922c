import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAccount } from '../src/accounts/accounts.service';
import { createEndpoint } from '../src/outgoing-webhooks/endpoints.service';
import { newId } from '../src/shared/ids';
import { machine, percentile, startBenchStack, writeResults } from './lib/bench-stack';

/**
 * `npm run bench:webhooks`: 10,000 events for 10 accounts, each with an endpoint on its own
 * loopback receiver, delivered by the stack's webhookDelivery workflow (the same code as npm
 * start). Two shapes: a burst (all events committed up front, 1,000 per statement: delivery
 * throughput) and a paced stream (BENCH_PACED_RATE events/s: commit-to-delivery
 * latency when the loop keeps up). Reference, same run: plain keep-alive POSTs to the same
 * receivers with the same concurrency and no database (what loopback HTTP alone allows).
 */
const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000);
const ENDPOINTS = Number(process.env.BENCH_ENDPOINTS ?? 10);
const PACED_RATE = Number(process.env.BENCH_PACED_RATE ?? 200);
const PACED_SECONDS = Number(process.env.BENCH_PACED_SECONDS ?? 10);
const PER_ENDPOINT = 16; // the delivery loop's cap per endpoint (src/outgoing-webhooks/delivery-loop.ts)

interface Receiver {
  url: string;
  arrivals: Map<number, number>;
  server: http.Server;
}

async function startReceiver(): Promise<Receiver> {
  const arrivals = new Map<number, number>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString()) as { data?: { n?: number } };
      if (typeof body.data?.n === 'number' && !arrivals.has(body.data.n)) arrivals.set(body.data.n, Date.now());
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, arrivals, server };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const delivered = (receivers: Receiver[]) => receivers.reduce((sum, r) => sum + r.arrivals.size, 0);

async function waitForAll(receivers: Receiver[], expected: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (delivered(receivers) < expected) {
    if (Date.now() > deadline) throw new Error(`only ${delivered(receivers)} of ${expected} events delivered`);
    await sleep(20);
  }
}

function latencies(receivers: Receiver[], committedAt: Map<number, number>, from: number, to: number): number[] {
  const values: number[] = [];
  for (let n = from; n < to; n++) {
    const arrived = receivers[n % receivers.length]!.arrivals.get(n);
    if (arrived !== undefined) values.push(arrived - committedAt.get(n)!);
  }
  return values.sort((a, b) => a - b);
}

/** The reference: the same number of POSTs straight to the receivers, PER_ENDPOINT at a time each. */
async function plainHttp(receivers: Receiver[], count: number, offset: number): Promise<number> {
  const started = Date.now();
  await Promise.all(
    receivers.map(async (receiver, r) => {
      const mine = Array.from({ length: Math.ceil(count / receivers.length) }, (_v, i) => offset + i * receivers.length + r);
      let next = 0;
      await Promise.all(
        Array.from({ length: PER_ENDPOINT }, async () => {
          while (next < mine.length) {
            const n = mine[next++]!;
            const response = await fetch(receiver.url, { method: 'POST', body: JSON.stringify({ data: { n } }), headers: { 'content-type': 'application/json' } });
            await response.arrayBuffer();
          }
        }),
      );
    }),
  );
  return count / ((Date.now() - started) / 1000);
}

async function main(): Promise<void> {
  const stack = await startBenchStack();
  const receivers: Receiver[] = [];
  try {
    const db = stack.deps.db;
    const accounts: string[] = [];
    for (let i = 0; i < ENDPOINTS; i++) {
      const receiver = await startReceiver();
      receivers.push(receiver);
      const account = await createAccount(db, { name: `bench webhooks ${i}`, plan: 'free' });
      await createEndpoint({ db, config: stack.deps.config }, { kind: 'account', accountId: account.id }, { url: receiver.url, events: [], description: null, accountId: null });
      accounts.push(account.id);
    }
    const committedAt = new Map<number, number>();
    const commit = async (from: number, to: number) => {
      // one multi-row insert of what recordEvent writes, so the burst measures delivery, not inserts
      const rows = Array.from({ length: to - from }, (_v, i) => ({ id: newId('evt'), type: 'purchase.fulfilled', account_id: accounts[(from + i) % ENDPOINTS]!, payload: JSON.stringify({ n: from + i }) }));
      await db('events').insert(rows);
      const at = Date.now();
      for (let n = from; n < to; n++) committedAt.set(n, at);
    };

    process.stdout.write(`burst: ${EVENTS} events, 1,000 per statement, to ${ENDPOINTS} endpoints …\n`);
    const burstStart = Date.now();
    for (let n = 0; n < EVENTS; n += 1000) await commit(n, Math.min(n + 1000, EVENTS));
    const committedIn = (Date.now() - burstStart) / 1000;
    await waitForAll(receivers, EVENTS, 600_000);
    const burstLast = Math.max(...receivers.flatMap((r) => [...r.arrivals.values()]));
    const burstRate = EVENTS / ((burstLast - burstStart) / 1000);
    const burstLatency = latencies(receivers, committedAt, 0, EVENTS);

    const pacedCount = PACED_RATE * PACED_SECONDS;
    process.stdout.write(`paced: ${PACED_RATE} events/s for ${PACED_SECONDS} s …\n`);
    const pacedStart = Date.now();
    for (let i = 0; i < pacedCount; i += PACED_RATE / 10) {
      await commit(EVENTS + i, EVENTS + Math.min(i + PACED_RATE / 10, pacedCount));
      const due = pacedStart + ((i + PACED_RATE / 10) / PACED_RATE) * 1000;
      await sleep(Math.max(0, due - Date.now()));
    }
    await waitForAll(receivers, EVENTS + pacedCount, 120_000);
    const pacedLatency = latencies(receivers, committedAt, EVENTS, EVENTS + pacedCount);

    process.stdout.write('reference: plain loopback POSTs …\n');
    const reference = await plainHttp(receivers, EVENTS, 10_000_000);

    const results = {
      machine: machine(),
      at: new Date().toISOString(),
      events: EVENTS,
      endpoints: ENDPOINTS,
      burst: {
        committed_in_s: Number(committedIn.toFixed(2)),
        events_per_s: Math.round(burstRate),
        commit_to_delivery_ms: { p50: percentile(burstLatency, 50), p99: percentile(burstLatency, 99) },
      },
      paced: {
        rate: PACED_RATE,
        events: pacedCount,
        commit_to_delivery_ms: { p50: percentile(pacedLatency, 50), p99: percentile(pacedLatency, 99) },
      },
      reference_plain_http_per_s: Math.round(reference),
      ratio_to_plain_http: Number((burstRate / reference).toFixed(2)),
    };
    const file = writeResults('webhooks', results);
    process.stdout.write(
      [
        '',
        '| shape | events/s | p50 ms | p99 ms | × plain HTTP |',
        '| --- | --- | --- | --- | --- |',
        `| burst, ${EVENTS} events | ${results.burst.events_per_s} | ${results.burst.commit_to_delivery_ms.p50} | ${results.burst.commit_to_delivery_ms.p99} | ${results.ratio_to_plain_http}× |`,
        `| paced, ${PACED_RATE}/s | ${PACED_RATE} | ${results.paced.commit_to_delivery_ms.p50} | ${results.paced.commit_to_delivery_ms.p99} | |`,
        `| plain loopback POSTs (reference) | ${results.reference_plain_http_per_s} | | | 1.00× |`,
        '',
        `written to ${file}`,
        '',
      ].join('\n'),
    );
  } finally {
    for (const receiver of receivers) {
      receiver.server.closeAllConnections();
      receiver.server.close();
    }
    await stack.cleanup();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:webhooks failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
