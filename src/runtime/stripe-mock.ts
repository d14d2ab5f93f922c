import { cachedBinaryPath, resolveDevBinary, STRIPE_MOCK } from './dev-binaries';
import { startManagedProcess, type ManagedProcess } from './child-process';
import { startOnFreePorts, waitUntilListening } from './free-port';

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
    const process = startManagedProcess('stripe-mock', binary, args, options);
    try {
      await waitUntilListening(port, 60000, 'stripe-mock', process, new RegExp(`Listening for HTTP at address: 127\\.0\\.0\\.1:${port}\\b`));
    } catch (error) {
      await process.stop();
      throw error;
    }
    return { apiBase: `http://127.0.0.1:${port}`, process };
  });
}

export { cachedBinaryPath };
