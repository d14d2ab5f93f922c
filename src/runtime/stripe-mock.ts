import { cachedBinaryPath, resolveDevBinary, STRIPE_MOCK } from './dev-binaries';
import { startListeningProcess, type ManagedProcess } from './child-process';
import { startOnFreePorts } from './free-port';

export interface StripeMockServer {
  apiBase: string;
  process: ManagedProcess;
  /** HTTP and HTTPS ports: a restart reuses them so the Stripe client keeps its base URL. */
  ports: [number, number];
}

export async function startStripeMock(options: {
  explicitPath?: string;
  cacheDir: string;
  logDir: string;
  log: (line: string) => void;
  ports?: [number, number];
}): Promise<StripeMockServer> {
  const binary = await resolveDevBinary(STRIPE_MOCK, options);
  const startOn = async ([port, httpsPort]: [number, number]): Promise<StripeMockServer> => {
    // stripe-mock also serves HTTPS, on :12112 unless told otherwise: a second stack would collide.
    const args = ['-http-addr', `127.0.0.1:${port}`, '-https-addr', `127.0.0.1:${httpsPort}`];
    const process = await startListeningProcess('stripe-mock', binary, args, options, {
      what: 'stripe-mock',
      port,
      readyLine: new RegExp(`Listening for HTTP at address: 127\\.0\\.0\\.1:${port}\\b`),
      timeoutMs: 60000,
    });
    return { apiBase: `http://127.0.0.1:${port}`, process, ports: [port, httpsPort] };
  };
  return options.ports ? startOn(options.ports) : startOnFreePorts(2, startOn);
}

export { cachedBinaryPath };
