import { startEmbeddedPostgres, type EmbeddedPostgresServer } from './embedded-postgres';
import { ExitedBeforeListening } from './free-port';
import { startStripeMock, type StripeMockServer } from './stripe-mock';
import { supervise, type Supervisor } from './supervisor';
import { startTemporalDevServer, type TemporalDevServer } from './temporal-dev-server';

/**
 * The embedded servers of `npm start`, each under a supervisor that restarts it on the same
 * ports: the API's pool, the Temporal client and the worker keep their addresses and reconnect.
 */
type Log = (line: string) => void;

/** Why a restart on the old ports failed, in words that say what to do about it. */
function explainTakenPorts(ports: number[]) {
  return (error: unknown): string | null => {
    if (!(error instanceof ExitedBeforeListening && error.portWasTaken)) return null;
    const list = ports.join(', ');
    return (
      `another program took port ${list} while it was down; the API and worker still point there, ` +
      `so stop that program (\`ss -ltnp\` shows which one holds the port) or restart Settle to pick new ports`
    );
  };
}

export async function startSupervisedPostgres(
  options: Parameters<typeof startEmbeddedPostgres>[0],
  log: Log,
): Promise<Supervisor<EmbeddedPostgresServer>> {
  const first = await startEmbeddedPostgres(options);
  return supervise('PostgreSQL', first, () => startEmbeddedPostgres({ ...options, port: first.port }), {
    log,
    explainFailure: explainTakenPorts([first.port]),
  });
}

export async function startSupervisedTemporal(
  options: Parameters<typeof startTemporalDevServer>[0],
  log: Log,
): Promise<Supervisor<TemporalDevServer & { exited: Promise<string>; stop(): Promise<void> }>> {
  const withLifecycle = (server: TemporalDevServer) => ({ ...server, exited: server.process.exited, stop: () => server.process.stop() });
  const first = withLifecycle(await startTemporalDevServer(options));
  return supervise('the Temporal dev server', first, async () => withLifecycle(await startTemporalDevServer({ ...options, ports: first.ports })), {
    log,
    explainFailure: explainTakenPorts([first.ports[0]]),
  });
}

export async function startSupervisedStripeMock(
  options: Parameters<typeof startStripeMock>[0],
  log: Log,
): Promise<Supervisor<StripeMockServer & { exited: Promise<string>; stop(): Promise<void> }>> {
  const withLifecycle = (server: StripeMockServer) => ({ ...server, exited: server.process.exited, stop: () => server.process.stop() });
  const first = withLifecycle(await startStripeMock(options));
  return supervise('stripe-mock', first, async () => withLifecycle(await startStripeMock({ ...options, ports: first.ports })), {
    log,
    explainFailure: explainTakenPorts([first.ports[0]]),
  });
}
