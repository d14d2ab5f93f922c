import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/config';
import { startListeningProcess, type ManagedProcess } from '../../src/runtime/child-process';
import { resolveDevBinary, STRIPE_MOCK } from '../../src/runtime/dev-binaries';
import { ExitedBeforeListening, freePorts, startOnFreePorts } from '../../src/runtime/free-port';

/**
 * The dev servers bind ports picked free a moment earlier; anything on the machine can take one
 * in between. A real stripe-mock shows what the stack does then: it notices the exit at once
 * (not after the 60 s wait) and starts the server again on fresh ports.
 */
const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'settle-ports-'));
const started: ManagedProcess[] = [];
let stripeMockBinary: string;

beforeAll(async () => {
  const config = loadConfig({ ...process.env, DATA_DIR: logDir }, 'embedded');
  stripeMockBinary = await resolveDevBinary(STRIPE_MOCK, { cacheDir: config.cacheDir, log: () => undefined });
});

afterAll(async () => {
  await Promise.all(started.map((server) => server.stop()));
  fs.rmSync(logDir, { recursive: true, force: true });
});

function holdPort(port: number): Promise<net.Server> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

async function startStripeMockOn(httpPort: number, httpsPort: number, extraArgs: string[] = []): Promise<ManagedProcess> {
  const args = ['-http-addr', `127.0.0.1:${httpPort}`, '-https-addr', `127.0.0.1:${httpsPort}`, ...extraArgs];
  const server = await startListeningProcess('stripe-mock', stripeMockBinary, args, { logDir }, {
    what: 'stripe-mock', port: httpPort, readyLine: /Listening for HTTP/, timeoutMs: 60000,
  });
  started.push(server);
  return server;
}

describe('dev server ports', () => {
  it('hands out distinct ports from below the range the kernel picks outgoing ports from', async () => {
    const ports = await freePorts(8);
    expect(new Set(ports).size).toBe(8);
    const [ephemeralStart] = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    for (const port of ports) expect(port).toBeLessThan(ephemeralStart!);
  });

  it('reports a server that died on a taken port at once, with what it printed', async () => {
    const [port, httpsPort] = await freePorts(2);
    const squatter = await holdPort(port);
    try {
      const before = Date.now();
      const failure = await startStripeMockOn(port, httpsPort).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(ExitedBeforeListening);
      expect((failure as ExitedBeforeListening).portWasTaken).toBe(true);
      expect((failure as ExitedBeforeListening).message).toContain(`127.0.0.1:${port}: bind: address already in use`);
      expect(Date.now() - before).toBeLessThan(30000);
    } finally {
      squatter.close();
    }
  });

  it('starts again on fresh ports when one was taken before the server bound it', async () => {
    const tried: number[][] = [];
    const squatters: net.Server[] = [];
    try {
      const server = await startOnFreePorts(2, async ([port, httpsPort]) => {
        tried.push([port, httpsPort]);
        if (tried.length === 1) squatters.push(await holdPort(port));
        await startStripeMockOn(port, httpsPort);
        return port;
      });
      expect(tried).toHaveLength(2);
      expect(server).toBe(tried[1]![0]);
      expect((await fetch(`http://127.0.0.1:${server}/v1/customers`, { headers: { Authorization: 'Bearer sk_test_123' } })).status).toBe(200);
    } finally {
      squatters.forEach((squatter) => squatter.close());
    }
  });

  it('does not retry a server that failed for another reason', async () => {
    let attempts = 0;
    const failure = await startOnFreePorts(2, async ([port, httpsPort]) => {
      attempts += 1;
      return startStripeMockOn(port, httpsPort, ['-no-such-flag']);
    }).catch((error: unknown) => error);
    expect(attempts).toBe(1);
    expect(failure).toBeInstanceOf(ExitedBeforeListening);
    expect((failure as ExitedBeforeListening).portWasTaken).toBe(false);
    expect((failure as ExitedBeforeListening).message).toContain('no-such-flag');
  });
});
