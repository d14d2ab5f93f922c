import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The local dev servers are Go programs. On a machine with no internet but a Go module proxy we
 * build them once with `go install` into a cache directory outside the repo and reuse the build.
 */
export interface DevBinary {
  name: 'temporal' | 'stripe-mock';
  goPackage: string;
  version: string;
}

export const TEMPORAL_CLI: DevBinary = {
  name: 'temporal',
  goPackage: 'github.com/temporalio/cli/cmd/temporal',
  version: 'v1.5.1',
};

export const STRIPE_MOCK: DevBinary = {
  name: 'stripe-mock',
  goPackage: 'github.com/stripe/stripe-mock',
  version: 'v0.197.0',
};

export function cachedBinaryPath(cacheDir: string, binary: DevBinary): string {
  return path.join(cacheDir, `${binary.name}-${binary.version}`, binary.name);
}

function findOnPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return null;
}

/** Resolution order: explicit path, then PATH, then the cache, then a fresh `go install`. */
export async function resolveDevBinary(
  binary: DevBinary,
  options: { explicitPath?: string; cacheDir: string; log: (line: string) => void },
): Promise<string> {
  if (options.explicitPath) {
    if (!fs.existsSync(options.explicitPath)) {
      throw new Error(`${binary.name} not found at ${options.explicitPath}; fix the path or unset it to build one`);
    }
    return options.explicitPath;
  }
  const onPath = findOnPath(binary.name);
  if (onPath) return onPath;
  const cached = cachedBinaryPath(options.cacheDir, binary);
  if (fs.existsSync(cached)) return cached;
  await goInstall(binary, path.dirname(cached), options.log);
  return cached;
}

async function goInstall(binary: DevBinary, targetDir: string, log: (line: string) => void): Promise<void> {
  const go = findOnPath('go');
  if (!go) {
    throw new Error(
      `${binary.name} is not installed and Go is missing: install Go >= 1.25, or put ${binary.name} on PATH`,
    );
  }
  const buildDir = `${targetDir}.partial-${process.pid}`;
  fs.mkdirSync(buildDir, { recursive: true });
  const started = Date.now();
  log(`building ${binary.name} ${binary.version} with go install (once; cached in ${targetDir}) …`);
  const ticker = setInterval(() => log(`  … still building ${binary.name} (${Math.round((Date.now() - started) / 1000)} s)`), 15000);
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(go, ['install', `${binary.goPackage}@${binary.version}`], {
        env: { ...process.env, GOBIN: buildDir },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', reject);
      child.on('exit', (code) =>
        code === 0 ? resolve() : reject(new Error(`go install ${binary.goPackage} failed (exit ${code}):\n${stderr.slice(-2000)}`)),
      );
    });
    fs.rmSync(targetDir, { recursive: true, force: true });
    fs.renameSync(buildDir, targetDir);
    log(`built ${binary.name} in ${Math.round((Date.now() - started) / 1000)} s`);
  } finally {
    clearInterval(ticker);
    fs.rmSync(buildDir, { recursive: true, force: true });
  }
}

export function binaryVersion(binaryPath: string): string {
  const result = spawnSync(binaryPath, ['--version'], { encoding: 'utf8' });
  return (result.stdout || result.stderr).trim().split('\n')[0] ?? 'unknown';
}
