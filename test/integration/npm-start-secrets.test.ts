import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Secrets the operator gave in the environment are never printed by `npm start`; only the ones it
 * generated itself (which the user has no other way to learn) appear in its banner.
 */
const root = path.resolve(__dirname, '../..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'settle-npm-start-secrets-'));
const adminKey = `sk_settle_fromenv_${Date.now()}_abcdefghijkl`;
const webhookSecret = `whsec_fromenv${Date.now()}xyz`;

afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

it('npm start does not print the admin key or webhook secret it was given, and says where they came from', async () => {
  const child = spawn('npm', ['start'], {
    cwd: root,
    env: { ...process.env, DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'info', ADMIN_API_KEY: adminKey, STRIPE_WEBHOOK_SECRET: webhookSecret },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so the whole tree stops with one signal
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const apiUrl = await new Promise<string>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const api = /API\s+(http:\/\/\S+)/.exec(output);
        if (api && output.includes('Ctrl-C stops everything')) resolve(api[1]!);
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('exit', (code) => reject(new Error(`npm start exited (${code}) before it was up:\n${output}`)));
    });
    // The key from the environment is the admin key, and using it prints nothing about it either.
    const created = await fetch(`${apiUrl}/v1/admin/accounts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Env admin' }),
    });
    expect(created.status).toBe(201);
    const refused = await fetch(`${apiUrl}/v1/admin/accounts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}x`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Not admin' }),
    });
    expect(refused.status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 200));

    expect(output).toMatch(/Admin key\s+from ADMIN_API_KEY/);
    expect(output).toMatch(/Webhook secret.*from STRIPE_WEBHOOK_SECRET/);
    expect(output).not.toContain(adminKey);
    expect(output).not.toContain(webhookSecret);
    expect(fs.existsSync(path.join(dataDir, 'admin-api-key'))).toBe(false);
  } finally {
    process.kill(-child.pid!, 'SIGINT');
    await exited;
  }
  expect(output).not.toContain(adminKey);
}, 120000);
