import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { call, postmasterPid, temporalPid, waitUntil, type StackInfo } from './own-stack';

/**
 * The faults the chaos suite injects, each a kill -9 at a random moment, and how long the stack
 * took to answer /readyz 200 again afterwards.
 */
export type FaultKind = 'postgres' | 'temporal' | 'worker';

export interface FaultResult {
  kind: FaultKind;
  atSecond: number;
  recoveredMs: number | null;
}

const root = path.resolve(__dirname, '../..');

/**
 * The worker in a process of its own (`npm run worker` against the stack's endpoints), so it can
 * be killed alone; the suite restarts it as a process manager (systemd, Kubernetes) would.
 */
export class WorkerProcess {
  private child: ChildProcess | null = null;

  constructor(private readonly stack: StackInfo) {}

  start(): void {
    this.child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/worker.ts')], {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: this.stack.databaseUrl,
        TEMPORAL_ADDRESS: this.stack.temporalAddress,
        STRIPE_API_BASE: this.stack.stripeApiBase,
        ADMIN_API_KEY: this.stack.adminApiKey,
        STRIPE_WEBHOOK_SECRET: this.stack.webhookSecret,
        TEMPORAL_SCHEDULES: 'false',
        LOG_LEVEL: 'error',
      },
      stdio: 'ignore',
    });
  }

  kill(): void {
    this.child?.kill('SIGKILL');
    this.child = null;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }
}

const PROCESS_MANAGER_DELAY_MS = 1000;

export async function injectFault(kind: FaultKind, stack: StackInfo, worker: WorkerProcess, startedAt: number): Promise<FaultResult> {
  const at = Date.now();
  switch (kind) {
    case 'postgres':
      process.kill(postmasterPid(stack.dataDir), 'SIGKILL');
      break;
    case 'temporal': {
      const pid = temporalPid(stack);
      if (pid === null) throw new Error('the Temporal dev server is not running: an earlier restart failed');
      process.kill(pid, 'SIGKILL');
      break;
    }
    case 'worker':
      worker.kill();
      await new Promise((resolve) => setTimeout(resolve, PROCESS_MANAGER_DELAY_MS));
      worker.start();
      break;
  }
  // Give the dead server a moment to be noticed: /readyz must see it down before it can see it back.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const ready = await waitUntil(async () => (await call(stack, 'GET', '/readyz', { timeoutMs: 3000 })).status === 200, 60_000, 100);
  return { kind, atSecond: Math.round((at - startedAt) / 1000), recoveredMs: ready ? Date.now() - at : null };
}
