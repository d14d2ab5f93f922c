import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/config';
import { startStack, type Stack } from '../../src/runtime/stack';

/** A throwaway stack for a benchmark: the same code as `npm start`, in a temp directory. */
export async function startBenchStack(env: Record<string, string> = {}): Promise<Stack & { dataDir: string; cleanup(): Promise<void> }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'settle-bench-'));
  const config = loadConfig({ ...process.env, DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'error', DATABASE_POOL_MAX: '40', ...env }, 'embedded');
  const stack = await startStack(config, { headlessTemporal: true, log: (line) => process.stdout.write(`${line}\n`) });
  return {
    ...stack,
    dataDir,
    async cleanup() {
      await stack.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function writeResults(name: string, results: unknown): string {
  const dir = path.resolve(__dirname, '../results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  fs.writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  return file;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export function machine() {
  return { cpus: os.cpus().length, cpu_model: os.cpus()[0]?.model ?? 'unknown', memory_gib: Math.round(os.totalmem() / 2 ** 30), node: process.version };
}
