import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A tiny HTTP proxy in front of stripe-mock for payout tests.
 *
 * - Records every request: method, path, form body, Idempotency-Key, status, and what happened.
 * - Emulates Stripe's idempotency, which stateless stripe-mock lacks: a key's first EXECUTED
 *   answer (2xx, or a 4xx other than 409/429) is stored and replayed for the same key with
 *   `Idempotent-Replayed: true`; the same key with other parameters is a 400 idempotency_error;
 *   a key whose first request is still in flight gets 409. Injected 5xx/429 answers and dropped
 *   connections count as "not executed" and are not stored, so the SDK's and Temporal's retries
 *   with the same key reach Stripe again.
 * - Answers the next N matching requests with a fault: a real Stripe error body and status, a
 *   dropped connection, or `hang` (the request IS executed by stripe-mock and stored under its
 *   key, but the answer is withheld until `releaseHung()`: a caller that dies meanwhile never
 *   learns that its transfer was created).
 * - `rewrite`: the request IS executed by stripe-mock, and its JSON answer is passed through
 *   `rewrite` before it is stored and sent, to answer as Stripe would where stripe-mock's fixture
 *   cannot (e.g. a PaymentIntent that `succeeded`, a customer with a default payment method).
 */
export type StripeFault =
  | { kind: 'error'; status: number; body: { error: Record<string, unknown> } }
  | { kind: 'disconnect' }
  | { kind: 'hang' }
  | { kind: 'rewrite'; rewrite: (body: Record<string, unknown>) => Record<string, unknown> };

export interface RecordedRequest {
  method: string;
  path: string;
  form: Record<string, string>;
  idempotencyKey: string | null;
  status: number | null;
  /** id of the object Stripe answered with (e.g. tr_…), for executed and replayed requests */
  objectId: string | null;
  outcome: 'executed' | 'replayed' | 'fault' | 'dropped' | 'hung' | 'conflict';
}

interface Stored {
  bodyHash: string;
  status: number;
  headers: Record<string, string>;
  body: string;
}

function objectIdOf(body: string): string | null {
  try {
    const id = (JSON.parse(body) as { id?: unknown }).id;
    return typeof id === 'string' ? id : null;
  } catch {
    return null;
  }
}

const requestLog = () => `https://dashboard.stripe.com/test/logs/req_${crypto.randomBytes(7).toString('hex')}`;

/** Stripe's own error bodies for the failures a transfer to a connected account can meet. */
export const STRIPE_ERRORS = {
  balanceInsufficient: (): StripeFault => ({
    kind: 'error',
    status: 400,
    body: {
      error: {
        code: 'balance_insufficient',
        doc_url: 'https://stripe.com/docs/error-codes/balance-insufficient',
        message:
          'You have insufficient available funds in your Stripe account. Try adding funds directly to your available balance by creating Charges using the 4000000000000077 test card. See: https://stripe.com/docs/testing#available-balance',
        request_log_url: requestLog(),
        type: 'invalid_request_error',
      },
    },
  }),
  noTransfersCapability: (): StripeFault => ({
    kind: 'error',
    status: 400,
    body: {
      error: {
        code: 'insufficient_capabilities_for_transfer',
        doc_url: 'https://stripe.com/docs/error-codes/insufficient-capabilities-for-transfer',
        message: 'Your destination account needs to have at least one of the following capabilities enabled: transfers, crypto_transfers, legacy_payments',
        param: 'destination',
        request_log_url: requestLog(),
        type: 'invalid_request_error',
      },
    },
  }),
  accountInvalid: (account: string): StripeFault => ({
    kind: 'error',
    status: 400,
    body: {
      error: {
        code: 'resource_missing',
        doc_url: 'https://stripe.com/docs/error-codes/resource-missing',
        message: `No such destination: '${account}'`,
        param: 'destination',
        request_log_url: requestLog(),
        type: 'invalid_request_error',
      },
    },
  }),
  apiError: (): StripeFault => ({
    kind: 'error',
    status: 500,
    body: { error: { message: 'An unknown error occurred', request_log_url: requestLog(), type: 'api_error' } },
  }),
  rateLimited: (): StripeFault => ({
    kind: 'error',
    status: 429,
    body: {
      error: {
        code: 'rate_limit',
        doc_url: 'https://stripe.com/docs/error-codes/rate-limit',
        message: 'Too many requests hit the API too quickly. We recommend an exponential backoff of your requests.',
        request_log_url: requestLog(),
        type: 'invalid_request_error',
      },
    },
  }),
};

/** `form` picks one caller's requests out of many, e.g. one customer's meter events. */
export interface FaultMatch {
  method?: string;
  path: string | RegExp;
  form?: Record<string, string>;
}

export interface StripeFaultProxy {
  url: string;
  requests: RecordedRequest[];
  /** The next `times` requests matching method, path and (if given) these form fields get `fault`. */
  failNext(match: FaultMatch, fault: StripeFault, times?: number): void;
  clearFaults(): void;
  /** Answers every withheld (`hang`) request by dropping its connection. */
  releaseHung(): void;
  /** Transfers stripe-mock actually created (executed POST /v1/transfers answered 200). */
  transfersCreated(filter?: (request: RecordedRequest) => boolean): RecordedRequest[];
  close(): Promise<void>;
}

export async function startStripeFaultProxy(target: string): Promise<StripeFaultProxy> {
  const faults: Array<FaultMatch & { fault: StripeFault; left: number }> = [];
  const requests: RecordedRequest[] = [];
  const stored = new Map<string, Stored>();
  const inFlight = new Set<string>();
  const hung = new Set<Socket>();
  const sockets = new Set<Socket>();

  const takeFault = (method: string, path: string, form: Record<string, string>): StripeFault | null => {
    const index = faults.findIndex(
      (f) =>
        f.left > 0 &&
        (!f.method || f.method === method) &&
        (typeof f.path === 'string' ? f.path === path : f.path.test(path)) &&
        Object.entries(f.form ?? {}).every(([name, value]) => form[name] === value),
    );
    if (index < 0) return null;
    const entry = faults[index]!;
    entry.left -= 1;
    if (entry.left === 0) faults.splice(index, 1);
    return entry.fault;
  };

  const send = (res: http.ServerResponse, status: number, headers: Record<string, string>, body: string) => {
    res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body).toString() });
    res.end(body);
  };

  const errorBody = (type: string, message: string) => JSON.stringify({ error: { type, message } });

  const forward = async (req: http.IncomingMessage, body: Buffer): Promise<Stored> => {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === 'string' && !['host', 'connection', 'content-length'].includes(name)) headers[name] = value;
    }
    const response = await fetch(`${target}${req.url}`, { method: req.method, headers, body: body.length ? body : undefined });
    const text = await response.text();
    const out: Record<string, string> = { 'content-type': response.headers.get('content-type') ?? 'application/json' };
    const requestId = response.headers.get('request-id');
    if (requestId) out['request-id'] = requestId;
    return { bodyHash: '', status: response.status, headers: out, body: text };
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks);
        const method = req.method ?? 'GET';
        const path = (req.url ?? '/').split('?')[0]!;
        const key = (req.headers['idempotency-key'] as string | undefined) ?? null;
        const record: RecordedRequest = {
          method,
          path,
          form: Object.fromEntries(new URLSearchParams(body.toString('utf8'))),
          idempotencyKey: key,
          status: null,
          objectId: null,
          outcome: 'executed',
        };
        requests.push(record);
        const bodyHash = crypto.createHash('sha256').update(`${method} ${path} `).update(body).digest('hex');

        if (key) {
          const previous = stored.get(key);
          if (previous) {
            if (previous.bodyHash !== bodyHash) {
              record.status = 400;
              record.outcome = 'conflict';
              send(res, 400, { 'content-type': 'application/json' }, errorBody('idempotency_error', `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`));
              return;
            }
            record.status = previous.status;
            record.objectId = objectIdOf(previous.body);
            record.outcome = 'replayed';
            send(res, previous.status, { ...previous.headers, 'idempotent-replayed': 'true' }, previous.body);
            return;
          }
          if (inFlight.has(key)) {
            record.status = 409;
            record.outcome = 'conflict';
            send(res, 409, { 'content-type': 'application/json' }, errorBody('idempotency_error', 'There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): ' + key + '. Please try again later.'));
            return;
          }
        }

        const fault = takeFault(method, path, record.form);
        if (fault?.kind === 'disconnect') {
          record.outcome = 'dropped';
          req.socket.destroy();
          return;
        }
        if (fault?.kind === 'error') {
          record.status = fault.status;
          record.outcome = 'fault';
          const answer: Stored = {
            bodyHash,
            status: fault.status,
            headers: { 'content-type': 'application/json', 'request-id': `req_${crypto.randomBytes(7).toString('hex')}` },
            body: JSON.stringify(fault.body),
          };
          // A 4xx is Stripe having executed and refused the request: it is stored under the key.
          if (key && fault.status < 500 && fault.status !== 429 && fault.status !== 409) stored.set(key, answer);
          send(res, answer.status, answer.headers, answer.body);
          return;
        }

        if (key) inFlight.add(key);
        try {
          const answer = { ...(await forward(req, body)), bodyHash };
          if (fault?.kind === 'rewrite' && answer.status === 200) answer.body = JSON.stringify(fault.rewrite(JSON.parse(answer.body) as Record<string, unknown>));
          if (key && answer.status < 500 && answer.status !== 429 && answer.status !== 409) stored.set(key, answer);
          record.status = answer.status;
          record.objectId = objectIdOf(answer.body);
          if (fault?.kind === 'hang') {
            record.outcome = 'hung';
            hung.add(req.socket);
            return;
          }
          send(res, answer.status, answer.headers, answer.body);
        } catch {
          record.outcome = 'dropped';
          req.socket.destroy();
        } finally {
          if (key) inFlight.delete(key);
        }
      })();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      hung.delete(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failNext(match, fault, times = 1) {
      faults.push({ ...match, fault, left: times });
    },
    clearFaults() {
      faults.length = 0;
    },
    releaseHung() {
      for (const socket of hung) socket.destroy();
      hung.clear();
    },
    transfersCreated(filter = () => true) {
      return requests.filter((r) => r.method === 'POST' && r.path === '/v1/transfers' && (r.outcome === 'executed' || r.outcome === 'hung') && r.status === 200 && filter(r));
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
