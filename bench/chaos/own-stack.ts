import { spawn, execSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Stripe from 'stripe';
import type { TestStackInfo } from '../../test/helpers/stack-info';

/**
 * A stack of one's own in a child process (bench/chaos/stack-process.ts), for the chaos suite
 * and the self-healing tests: its endpoints, its log, and the processes to kill. It runs in its
 * own process group, so whatever happens to it, `kill()` leaves nothing behind.
 */
/** The endpoints the test suite's stack reports too, and the process to signal. */
export interface StackInfo extends TestStackInfo {
  pid: number;
}

export interface OwnStack {
  info: StackInfo;
  child: ChildProcess;
  /** Every `log …` line the stack printed so far (supervisor restarts and the like). */
  logLines(): string[];
  /** SIGTERM, as Ctrl-C would; resolves once the process exited. */
  stop(): Promise<void>;
  /** SIGKILL to the whole process group: the stack and every server it started. */
  kill(): void;
}

const root = path.resolve(__dirname, '../..');

export async function startOwnStack(options: { dataDir: string; port?: number; externalWorker?: boolean; env?: Record<string, string> }): Promise<OwnStack> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'bench/chaos/stack-process.ts')], {
    cwd: root,
    env: {
      ...process.env,
      DATA_DIR: options.dataDir,
      PORT: String(options.port ?? 0),
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'error',
      SETTLE_EXTERNAL_WORKER: options.externalWorker ? '1' : '0',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const lines: string[] = [];
  let output = '';
  const info = await new Promise<StackInfo>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      for (;;) {
        const end = output.indexOf('\n');
        if (end < 0) break;
        const line = output.slice(0, end);
        output = output.slice(end + 1);
        if (line.startsWith('stack ')) resolve(JSON.parse(line.slice('stack '.length)) as StackInfo);
        else if (line.startsWith('log ')) lines.push(line.slice('log '.length));
        else lines.push(line);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the stack exited (${code}) before it was up:\n${lines.join('\n')}\n${output}`)));
  });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    info,
    child,
    logLines: () => [...lines],
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
    kill() {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    },
  };
}

/** PostgreSQL's postmaster, from the pid file it keeps in its data directory. */
export function postmasterPid(dataDir: string): number {
  return Number(fs.readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
}

/** The process below `parent` whose command line matches, e.g. the Temporal dev server. */
export function childPid(parent: number, command: RegExp): number | null {
  for (const line of execSync('ps -eo pid=,ppid=,args=', { encoding: 'utf8' }).trim().split('\n')) {
    const match = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line);
    if (match && Number(match[2]) === parent && command.test(match[3]!)) return Number(match[1]);
  }
  return null;
}

export function temporalPid(stack: StackInfo): number | null {
  return childPid(stack.pid, /\bserver start-dev\b/);
}

export interface Reply {
  status: number;
  headers: Headers;
  body: any;
}

/** One call to the stack's API; network failures come back as status 0. */
export async function call(stack: StackInfo, method: string, urlPath: string, options: { key?: string; body?: unknown; raw?: string; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  const body = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  try {
    const response = await fetch(`${stack.apiUrl}${urlPath}`, { method, headers, body, signal: AbortSignal.timeout(options.timeoutMs ?? 30_000) });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text && (response.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text };
  } catch (error) {
    return { status: 0, headers: new Headers(), body: { error: error instanceof Error ? error.message : String(error) } };
  }
}

const signer = new Stripe('sk_test_signing_only'); // only its signature helper is used

/** A Stripe event posted as Stripe would: raw body, signed with the SDK's own helper. */
export function postSignedEvent(stack: StackInfo, event: object): Promise<Reply> {
  const raw = JSON.stringify(event);
  const signature = signer.webhooks.generateTestHeaderString({ payload: raw, secret: stack.webhookSecret });
  return call(stack, 'POST', '/v1/webhooks/stripe', { raw, headers: { 'stripe-signature': signature } });
}

/** A paid `checkout.session.completed` for one of our purchases (ids are ours: stripe-mock is stateless). */
export function paidCheckoutEvent(purchaseId: string, amountMinor: number) {
  const suffix = () => Math.random().toString(36).slice(2, 14).padEnd(12, 'x');
  const now = Math.floor(Date.now() / 1000);
  return {
    id: `evt_chaos_${suffix()}${suffix()}`,
    object: 'event',
    api_version: '2025-08-27.basil',
    created: now,
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: 'checkout.session.completed',
    data: {
      object: {
        id: `cs_test_${suffix()}${suffix()}`,
        object: 'checkout.session',
        amount_subtotal: amountMinor,
        amount_total: amountMinor,
        client_reference_id: purchaseId,
        created: now - 60,
        currency: 'usd',
        customer: 'cus_test_customer',
        expires_at: now + 86_000,
        livemode: false,
        metadata: { purchase_id: purchaseId },
        mode: 'payment',
        payment_intent: `pi_test_${suffix()}${suffix()}`,
        payment_status: 'paid',
        status: 'complete',
        url: null,
      },
    },
  };
}

/** Polls until `probe` gives a truthy value; null when the deadline passes. */
export async function waitUntil<T>(probe: () => Promise<T | null | undefined | false>, timeoutMs: number, everyMs = 200): Promise<T | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => null);
    if (value) return value;
    if (Date.now() > deadline) return null;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
