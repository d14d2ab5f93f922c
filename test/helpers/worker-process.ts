import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { workflowBundle } from '../../src/worker/create-worker';

/**
 * A worker in a process of its own (test/helpers/payout-worker-process.ts), so a test can kill it
 * with SIGKILL in the middle of an activity: no graceful shutdown, no completion reported. It polls
 * `taskQueue`, talks to Stripe at `stripeUrl` (a recording proxy) and runs the current workflow
 * bundle, written once into `bundleDir`. Resolves once it polls.
 */
export async function startWorkerProcess(options: { taskQueue: string; stripeUrl: string; bundleDir: string }): Promise<ChildProcess> {
  const codePath = path.join(options.bundleDir, 'workflows.js');
  if (!fs.existsSync(codePath)) fs.writeFileSync(codePath, (await workflowBundle()).code);
  const script = path.resolve(__dirname, 'payout-worker-process.ts');
  const proc = spawn(process.execPath, ['--import', 'tsx', script, options.taskQueue, options.stripeUrl, codePath], {
    cwd: path.resolve(__dirname, '../..'),
    env: process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    proc.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
    proc.once('exit', (code) => reject(new Error(`worker process exited (${code}): ${stderr}`)));
  });
  return proc;
}
