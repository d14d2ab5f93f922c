/**
 * `npm run fuzz [-- --short]`: Schemathesis (from PyPI, in a cached virtualenv) over /openapi.json
 * with every check, once with an admin key and once with an account key. Fails on any 5xx and on
 * any answer the document does not describe (status, content type, headers, body schema).
 *
 * Against a running API: SETTLE_API_URL and SETTLE_ADMIN_KEY. Otherwise it starts the embedded
 * stack (PostgreSQL, Temporal dev server, stripe-mock, worker, API) in a temporary DATA_DIR, with
 * the API checking its own answers against their schemas (SETTLE_CHECK_RESPONSES=1).
 */
import { spawnSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config/config';
import { startStack } from '../src/runtime/stack';

const SCHEMATHESIS_VERSION = '4.32.5';
const short = process.argv.includes('--short');
const venv = process.env.SCHEMATHESIS_VENV ?? path.join(os.homedir(), '.cache', 'settle', 'schemathesis-venv');
const st = path.join(venv, 'bin', 'st');

function ensureSchemathesis(): void {
  const installed = spawnSync(path.join(venv, 'bin', 'python'), ['-c', 'import importlib.metadata as m; print(m.version("schemathesis"))'], { encoding: 'utf8' });
  if (installed.status === 0 && installed.stdout.trim() === SCHEMATHESIS_VERSION) return;
  console.log(`installing schemathesis ${SCHEMATHESIS_VERSION} into ${venv}`);
  fs.mkdirSync(path.dirname(venv), { recursive: true });
  for (const [command, args] of [
    ['python3', ['-m', 'venv', venv]],
    [path.join(venv, 'bin', 'pip'), ['install', '--quiet', `schemathesis==${SCHEMATHESIS_VERSION}`]],
  ] as const) {
    const result = spawnSync(command, args, { stdio: 'inherit' });
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed`);
  }
}

interface Target {
  apiUrl: string;
  adminKey: string;
  stop(): Promise<void>;
}

async function startTarget(): Promise<Target> {
  if (process.env.SETTLE_API_URL) {
    if (!process.env.SETTLE_ADMIN_KEY) throw new Error('SETTLE_API_URL needs SETTLE_ADMIN_KEY');
    return { apiUrl: process.env.SETTLE_API_URL.replace(/\/$/, ''), adminKey: process.env.SETTLE_ADMIN_KEY, stop: async () => undefined };
  }
  process.env.SETTLE_CHECK_RESPONSES ??= '1'; // read at the first request
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'settle-fuzz-'));
  const config = loadConfig({ ...process.env, DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: process.env.LOG_LEVEL ?? 'error', TEMPORAL_SCHEDULES: 'false' }, 'embedded');
  console.log(`starting the stack in ${dataDir}`);
  const stack = await startStack(config, { headlessTemporal: true, log: () => undefined });
  return {
    apiUrl: stack.apiUrl,
    adminKey: stack.adminApiKey,
    stop: async () => {
      await stack.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function post(target: Target, urlPath: string, key: string, body: unknown): Promise<Record<string, string>> {
  const response = await fetch(`${target.apiUrl}${urlPath}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`POST ${urlPath}: ${response.status} ${await response.text()}`);
  return (await response.json()) as Record<string, string>;
}

function runSchemathesis(target: Target, label: string, key: string): Promise<number> {
  const reportDir = path.join(os.tmpdir(), `settle-fuzz-report-${label}`);
  const args = [
    '--config-file', path.join(__dirname, 'schemathesis.toml'),
    'run',
    `${target.apiUrl}/openapi.json`,
    '--url', target.apiUrl,
    '--checks', 'all',
    '--header', `Authorization: Bearer ${key}`,
    '--workers', '1', // Python 3.11's ast.parse is not thread-safe: Hypothesis crashes with several workers
    '--request-timeout', '30',
    '--max-examples', short ? '15' : '100',
    '--phases', short ? 'examples,coverage,fuzzing' : 'examples,coverage,fuzzing,stateful',
    '--suppress-health-check', 'all',
    '--generation-allow-x00', 'true',
    '--generation-database', ':memory:', // no example store left in the work tree
    '--report', 'junit',
    '--report-dir', reportDir,
    '--seed', process.env.FUZZ_SEED ?? '11',
    ...(short ? ['--max-time', '75'] : []),
  ];
  console.log(`\n== schemathesis with the ${label} key ==`);
  return new Promise((resolve, reject) => {
    const child = spawn(st, args, { stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

async function main(): Promise<void> {
  ensureSchemathesis();
  const target = await startTarget();
  let failed = false;
  try {
    const account = await post(target, '/v1/admin/accounts', target.adminKey, { name: 'Fuzz account', plan: 'pro' });
    await post(target, '/v1/admin/credits/deposit', target.adminKey, { account_id: account.id, amount: 1_000_000 });
    for (const [label, key] of [['admin', target.adminKey], ['account', account.api_key!]] as const) {
      const code = await runSchemathesis(target, label, key);
      if (code !== 0) failed = true;
    }
  } finally {
    await target.stop();
  }
  console.log(failed ? '\nfuzz: FAILED (see the failures above)' : '\nfuzz: passed');
  process.exitCode = failed ? 1 : 0;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
