import { execFile } from 'node:child_process';
import path from 'node:path';

export interface LoadResult {
  requestsPerSec: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  total: number;
}

/** Drives POST load from a separate process (bench/lib/load-child.ts) and summarises it. */
export function runLoad(spec: { url: string; path: string; connections: number; seconds: number; targets: Array<{ key: string; body: string }> }): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', path.join(__dirname, 'load-child.ts'), JSON.stringify(spec)],
      { maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`load generator failed: ${stderr || error.message}`));
        const result = JSON.parse(stdout);
        resolve({
          requestsPerSec: result.requests.average,
          p50: result.latency.p50,
          p99: result.latency.p99,
          non2xx: result.non2xx,
          errors: result.errors,
          total: result.requests.total,
        });
      },
    );
  });
}
