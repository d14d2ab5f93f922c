import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppDeps } from '../app-deps';
import { authenticate, type KeyResolver } from './auth';
import { errorAnswerOf } from './error-handler';
import { IDEMPOTENCY_HEADER, idempotencyFrom } from './idempotency';
import type { KeyRateLimiter } from './rate-limit';
import { requestIdFor } from './request-id';
import { accessOf, checkedAnswer } from './route';
import { meterUsage, usageBody, usageRoute } from './routes/credits';
import { parseInput } from './validate';
import { timeHttpRequest } from '../observability/process-metrics';

/** The same limit as the app's JSON body parser (express.json in app.ts). */
export const JSON_BODY_LIMIT_BYTES = 256 * 1024;
const JSON_UTF8 = /^application\/json\s*(;\s*charset="?utf-8"?\s*)?$/i;
const METHOD = usageRoute.method.toUpperCase();
const ENDPOINT = `${METHOD} ${usageRoute.path}`;

/**
 * POST /v1/usage served on Node's own request and response, beside Express. Metering is most of
 * the traffic, and Express's per-request work (its request and response prototypes, middleware
 * walk and body parser) cost the API process more CPU than authenticating, pricing and debiting
 * the call (README, "The metering lane", has the figures `npm run bench:debit` measured).
 *
 * It is the same route: its declaration (`usageRoute`: access, body schema, checked answers),
 * the same key cache, rate limiter, request ids, metrics and error answers. It takes only the
 * plain requests it serves exactly as Express would: a JSON body in UTF-8, neither compressed nor
 * chunked, of a declared length within the limit, on the bare path. Everything else (another
 * charset, a query string, an empty or oversized body) goes to Express, which answers it as before.
 */
export function meteringLane(deps: AppDeps, keys: KeyResolver, limiter: KeyRateLimiter) {
  const access = accessOf(usageRoute);

  async function answer(req: IncomingMessage, text: string): Promise<{ status: number; body: unknown; headers?: Record<string, string> }> {
    // Express's order: the body is read as JSON before the key is looked at, validated after.
    const raw = parseJson(text);
    const principal = await authenticate(req, access, keys);
    limiter.enforce(principal);
    const body = parseInput(usageBody, raw, 'body');
    const idempotency = idempotencyFrom({ header: req.headers[IDEMPOTENCY_HEADER] as string | undefined, bodyKey: body.idempotency_key, endpoint: ENDPOINT, rawBody: raw });
    return (await checkedAnswer(usageRoute, () => meterUsage(deps, principal, body, idempotency)))!;
  }

  function serve(req: IncomingMessage, res: ServerResponse): void {
    res.setHeader('x-request-id', requestIdFor(req.headers['x-request-id']));
    timeHttpRequest(METHOD, res, () => usageRoute.path);
    const chunks: Buffer[] = [];
    req.on('error', () => res.destroy()); // the client went away mid-body: nothing to answer
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      answer(req, Buffer.concat(chunks).toString('utf8'))
        .catch((error: unknown) => errorAnswerOf(error, deps.log, { method: METHOD, path: usageRoute.path }))
        .then((reply) => sendJson(res, reply.status, reply.body, reply.headers), (error: unknown) => res.destroy(error as Error));
    });
  }

  /** Serves `req` and returns true, or returns false for Express to serve it. */
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    if (!takenByLane(req)) return false;
    serve(req, res);
    return true;
  };
}

/** Whether the lane serves this request (exported for its table test). */
export function takenByLane(req: Pick<IncomingMessage, 'method' | 'url' | 'headers'>): boolean {
  if (req.method !== METHOD || req.url !== usageRoute.path) return false;
  const { headers } = req;
  if (headers['content-encoding'] !== undefined || headers['transfer-encoding'] !== undefined) return false;
  if (!JSON_UTF8.test(headers['content-type'] ?? '')) return false;
  const length = Number(headers['content-length']);
  return Number.isInteger(length) && length > 0 && length <= JSON_BODY_LIMIT_BYTES;
}

/** As the app's parser reads JSON: a leading byte order mark is dropped; bad JSON is its 400. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch {
    throw Object.assign(new Error('The request body is not valid JSON'), { type: 'entity.parse.failed', status: 400 });
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}
