import type { Response } from 'express';
import type { ServerResponse } from 'node:http';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/**
 * The metrics a process observes as it works (requests, debit batches, Node's own), in one
 * registry per process. Figures read from the database or the worker at scrape time are in
 * scrape-metrics.ts. Label values are bounded: route patterns, never raw paths or ids.
 */
export const processRegistry = new Registry();
collectDefaultMetrics({ register: processRegistry, prefix: 'settle_' });

const httpRequestSeconds = new Histogram({
  name: 'settle_http_request_duration_seconds',
  help: 'HTTP request latency by route pattern, method and status',
  labelNames: ['method', 'route', 'status'] as const,
  // the debit path answers in a few ms; closes and exports take seconds
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [processRegistry],
});

const debitBatchSize = new Histogram({
  name: 'settle_debit_batch_size',
  help: 'debits sent to the database together in one settle_debit_batch call',
  buckets: [1, 2, 4, 8, 16, 32, 64, 100],
  registers: [processRegistry],
});

const debitBatchWaitSeconds = new Histogram({
  name: 'settle_debit_batch_wait_seconds',
  help: 'how long the oldest debit of a batch queued before the batch left for the database',
  buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
  registers: [processRegistry],
});

/** A batch leaves the debit batcher: its size, and the queueing time of its oldest debit. */
export function observeDebitBatch(size: number, oldestWaitMs: number): void {
  debitBatchSize.observe(size);
  debitBatchWaitSeconds.observe(oldestWaitMs / 1000);
}

const webhookAttempts = new Counter({
  name: 'settle_webhook_delivery_attempts_total',
  help: 'outgoing webhook attempts made by this process, by result: delivered (2xx), gone (410), failed_attempt (anything else; retried)',
  labelNames: ['result'] as const,
  registers: [processRegistry],
});

/** An outgoing webhook attempt ended (src/outgoing-webhooks/delivery-loop.ts). */
export function observeWebhookAttempt(result: 'delivered' | 'gone' | 'failed_attempt'): void {
  webhookAttempts.inc({ result });
}

/** The route a request matched, set by the app when it dispatches (see observeHttpRequests). */
export function noteRoutePattern(res: Response, pattern: string): void {
  res.locals.routePattern = pattern;
}

/**
 * Express middleware: times every request until its answer is sent, labelled with the matched
 * route's pattern (`/v1/holds/:id/capture`), or `other` outside the declared routes (404s, the
 * docs, the console), so ids and probes of random paths never become label values.
 */
export function observeHttpRequests(req: { method: string }, res: Response, next: () => void): void {
  timeHttpRequest(req.method, res, () => (typeof res.locals.routePattern === 'string' ? res.locals.routePattern : 'other'));
  next();
}

/** Times one request until its answer is sent; `routeOf` names its route pattern then. */
export function timeHttpRequest(method: string, res: ServerResponse, routeOf: () => string): void {
  const started = process.hrtime.bigint();
  res.once('finish', () => {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    httpRequestSeconds.observe({ method, route: routeOf(), status: String(res.statusCode) }, seconds);
  });
}
