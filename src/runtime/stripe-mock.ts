import { cachedBinaryPath, resolveDevBinary, STRIPE_MOCK } from './dev-binaries';
import { startListeningProcess, type ManagedProcess } from './child-process';
import { startOnFreePorts } from './free-port';

export interface StripeMockServer {
  apiBase: string;
  process: ManagedProcess;
}

export async function startStripeMock(options: {
  explicitPath?: string;
  cacheDir: string;
  logDir: string;
  log: (line: string) => void;
}): Promise<StripeMockServer> {
  const binary = await resolveDevBinary(STRIPE_MOCK, options);
  return startOnFreePorts(2, async ([port, httpsPort]) => {
    // stripe-mock also serves HTTPS, on :12112 unless told otherwise: a second stack would collide.
    const args = ['-http-addr', `127.0.0.1:${port}`, '-https-addr', `127.0.0.1:${httpsPort}`];
    const process = await startListeningProcess('stripe-mock', binary, args, options, {
      what: 'stripe-mock',
      port,
      readyLine: new RegExp(`Listening for HTTP at address: 127\\.0\\.0\\.1:${port}\\b`),
      timeoutMs: 60000,
    });
    return { apiBase: `http://127.0.0.1:${port}`, process };
  });
}

export { cachedBinaryPath };
