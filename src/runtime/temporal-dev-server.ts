import fs from 'node:fs';
import path from 'node:path';
import { resolveDevBinary, TEMPORAL_CLI } from './dev-binaries';
import { startListeningProcess, type ManagedProcess } from './child-process';
import { startOnFreePorts } from './free-port';

export interface TemporalDevServer {
  address: string;
  uiUrl: string | null;
  process: ManagedProcess;
  /** gRPC, UI, HTTP and metrics ports: a restart reuses them so clients keep their address. */
  ports: TemporalPorts;
}

export type TemporalPorts = [number, number, number, number];

/**
 * `temporal server start-dev` with its SQLite file under DATA_DIR, so workflows survive a
 * restart of `npm start`. Every port is picked free, so two stacks can run side by side; the
 * supervisor's restart passes the ports of the run that died instead.
 */
export async function startTemporalDevServer(options: {
  explicitPath?: string;
  cacheDir: string;
  dataDir: string;
  logDir: string;
  namespace: string;
  headless?: boolean;
  log: (line: string) => void;
  ports?: TemporalPorts;
}): Promise<TemporalDevServer> {
  const binary = await resolveDevBinary(TEMPORAL_CLI, options);
  fs.mkdirSync(options.dataDir, { recursive: true });
  const startOn = async ([port, uiPort, httpPort, metricsPort]: TemporalPorts): Promise<TemporalDevServer> => {
    const args = [
      'server', 'start-dev',
      '--ip', '127.0.0.1',
      '--port', String(port),
      '--http-port', String(httpPort),
      '--metrics-port', String(metricsPort),
      '--db-filename', path.join(options.dataDir, 'temporal.sqlite'),
      // WAL with synchronous=normal: durable across process crashes, and no fsync per transition
      // (a trivial workflow took ~150 ms with the defaults on this machine's disk).
      '--sqlite-pragma', 'journal_mode=wal',
      '--sqlite-pragma', 'synchronous=normal',
      '--namespace', options.namespace,
      '--log-level', 'warn',
    ];
    if (options.headless) args.push('--headless');
    else args.push('--ui-port', String(uiPort));
    const process = await startListeningProcess('temporal', binary, args, options, {
      what: 'the Temporal dev server',
      port,
      readyLine: new RegExp(`^Server:\\s+\\S+:${port}\\b`, 'm'),
      timeoutMs: 90000,
    });
    return {
      address: `127.0.0.1:${port}`,
      uiUrl: options.headless ? null : `http://127.0.0.1:${uiPort}`,
      process,
      ports: [port, uiPort, httpPort, metricsPort],
    };
  };
  return options.ports ? startOn(options.ports) : startOnFreePorts(4, startOn);
}
