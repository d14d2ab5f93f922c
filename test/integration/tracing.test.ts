import crypto from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { SettleProcess } from '../../bench/topology/settle-process';
import type { Services } from '../../bench/topology/services';
import { tracedWorkflowBundle } from '../../src/worker/create-worker';
import { historyFromJson } from '../helpers/history-json';
import { readStackInfo } from '../helpers/stack-info';

/**
 * OpenTelemetry traces across processes: `npm run api` and `npm run worker` started with
 * OTEL_EXPORTER_OTLP_ENDPOINT pointing at a small OTLP/HTTP receiver in this test. One request
 * that starts a workflow must come back as one trace: the HTTP request (settle-api), the workflow
 * start, the workflow and its activity with the activity's SQL (settle-worker).
 */
interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
}

interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: string | number; boolValue?: boolean };
}

interface OtlpExport {
  resourceSpans?: Array<{
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: Array<{ spans?: Array<{ traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number; attributes?: OtlpAttribute[] }> }>;
  }>;
}

function attributesOf(list: OtlpAttribute[] = []): Record<string, unknown> {
  return Object.fromEntries(list.map((a) => [a.key, a.value.stringValue ?? a.value.intValue ?? a.value.boolValue]));
}

/** Accepts OTLP/HTTP JSON on POST /v1/traces, as a collector would. */
function startOtlpReceiver(): Promise<{ url: string; spans: ReceivedSpan[]; requests: string[]; close(): Promise<void> }> {
  const spans: ReceivedSpan[] = [];
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push(`${req.method} ${req.url} ${req.headers['content-type']}`);
      if (req.method !== 'POST' || req.url !== '/v1/traces' || !String(req.headers['content-type']).startsWith('application/json')) {
        res.writeHead(415).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpExport;
      for (const resourceSpans of body.resourceSpans ?? []) {
        const service = String(attributesOf(resourceSpans.resource?.attributes)['service.name']);
        for (const scope of resourceSpans.scopeSpans ?? []) {
          for (const span of scope.spans ?? []) {
            spans.push({ service, traceId: span.traceId, spanId: span.spanId, parentSpanId: span.parentSpanId || undefined, name: span.name, kind: span.kind, attributes: attributesOf(span.attributes) });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}`, spans, requests, close: () => new Promise((done) => server.close(() => done())) });
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const stack = readStackInfo();
const notOwnedHere = () => Promise.reject(new Error('the test stack owns these services'));
const services: Services = { ...stack, stopPostgres: notOwnedHere, startPostgres: notOwnedHere, stop: notOwnedHere };

describe('OpenTelemetry traces (OTEL_EXPORTER_OTLP_ENDPOINT set)', () => {
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let api: SettleProcess;
  let worker: SettleProcess;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    // a task queue of their own, so the stack's untraced worker cannot take this workflow
    const env = {
      TEMPORAL_TASK_QUEUE: `tracing-${crypto.randomUUID()}`,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '200',
    };
    api = new SettleProcess('api', 'api', services, { http: await freePort(), metrics: await freePort() }, env);
    worker = new SettleProcess('worker', 'worker', services, { metrics: await freePort() }, env);
    await Promise.all([api.start(), worker.start()]);
  }, 180_000);

  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
    await receiver?.close();
  });

  it('follows one request from the API through the workflow start, the workflow and its activity to SQL', async () => {
    const response = await fetch(`http://127.0.0.1:${api.ports.http}/v1/admin/system-checks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.adminApiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ note: 'traced' }),
    });
    expect(response.status).toBe(202);

    const serverSpan = await until('the HTTP request span', () =>
      receiver.spans.find((s) => s.service === 'settle-api' && s.kind === 2 && String(s.attributes['http.target'] ?? s.attributes['url.path']).startsWith('/v1/admin/system-checks')),
    );
    const trace = () => receiver.spans.filter((s) => s.traceId === serverSpan.traceId);
    const activity = await until('the activity span', () => trace().find((s) => s.service === 'settle-worker' && s.name.startsWith('RunActivity:')));
    await until('the activity SQL', () => trace().find((s) => s.attributes['db.system'] === 'postgresql' && s.service === 'settle-worker'));

    // the workflow's own span ends (and is exported) only after its activity: wait for it too
    const start = await until('the workflow start span', () => trace().find((s) => s.name === 'StartWorkflow:systemCheck'));
    const run = await until('the workflow run span', () => trace().find((s) => s.name === 'RunWorkflow:systemCheck'));
    const spans = trace();
    expect(start).toMatchObject({ service: 'settle-api' });
    expect(run).toMatchObject({ service: 'settle-worker' });
    // parentage across processes: request → start → workflow run; the activity hangs off the
    // workflow's schedule span, the SQL off the activity
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const ancestors = (span: ReceivedSpan): string[] => {
      const names: string[] = [];
      for (let parent = span.parentSpanId && byId.get(span.parentSpanId); parent; parent = parent.parentSpanId && byId.get(parent.parentSpanId)) names.push(parent.name);
      return names;
    };
    expect(ancestors(run!)).toContain('StartWorkflow:systemCheck');
    expect(ancestors(start!).length).toBeGreaterThan(0);
    expect(byId.get(start!.parentSpanId!)?.service).toBe('settle-api');
    expect(ancestors(activity)).toContain('RunWorkflow:systemCheck');
    const sql = spans.filter((s) => s.attributes['db.system'] === 'postgresql' && s.service === 'settle-worker');
    expect(sql.some((s) => ancestors(s).includes(activity.name))).toBe(true);
    expect(receiver.requests.every((r) => r.startsWith('POST /v1/traces application/json'))).toBe(true);
  }, 90_000);
});

describe('the workflow bundle with the tracing interceptors', () => {
  it('replays every recorded history (the interceptors add spans, never commands)', async () => {
    const dir = path.resolve(__dirname, '../histories');
    const histories = fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && entry.name !== 'variants')
      .flatMap((entry) =>
        fs
          .readdirSync(path.join(dir, entry.name))
          .filter((name) => name.endsWith('.json'))
          .map((name) => ({ workflowId: `${entry.name}/${name}`, history: historyFromJson(JSON.parse(fs.readFileSync(path.join(dir, entry.name, name), 'utf8'))) })),
      );
    expect(histories.length).toBeGreaterThan(0);
    const failures: string[] = [];
    let replayed = 0;
    // the span sink is not called during replay; registered so the worker finds it
    const sinks = { exporter: { export: { fn: () => undefined } } };
    for await (const result of Worker.runReplayHistories({ workflowBundle: await tracedWorkflowBundle(), sinks, replayName: 'ci-replay-traced' }, histories)) {
      replayed += 1;
      if (result.error) failures.push(`${result.workflowId}: ${result.error.name}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
    expect(replayed).toBe(histories.length);
  }, 180_000);
});
