import { cachedBinaryPath, resolveDevBinary, STRIPE_MOCK } from './dev-binaries';
import { startManagedProcess, type ManagedProcess } from './child-process';
import { freePort, waitForPort } from './free-port';

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
  const [port, httpsPort] = [await freePort(), await freePort()];
  // stripe-mock also serves HTTPS, on :12112 unless told otherwise: a second stack would collide.
  const args = ['-http-addr', `127.0.0.1:${port}`, '-https-addr', `127.0.0.1:${httpsPort}`];
  const process = startManagedProcess('stripe-mock', binary, args, options);
  try {
    await waitForPort(port, 60000, 'stripe-mock');
  } catch (error) {
    await process.stop();
    throw error;
  }
  return { apiBase: `http://127.0.0.1:${port}`, process };
}

export { cachedBinaryPath };
