import fs from 'node:fs';
import net from 'node:net';

/**
 * Ports for the embedded servers, which never use fixed ones. A port is picked free, released,
 * and bound by the server a moment later; in between anything on the machine can take it. Two
 * things keep that rare and harmless: ports come from below the kernel's ephemeral range (which
 * it hands to every outgoing connection and every `listen(0)`, including the Temporal dev
 * server's internal services), and a server that died on a taken port is started again.
 */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port;
}

/** `[number, number]` for 2, and so on: each port is named where it is destructured. */
type Ports<N extends number, Acc extends number[] = []> = Acc['length'] extends N ? Acc : Ports<N, [...Acc, number]>;

/** `count` distinct free ports, all held open together before any is released. */
export async function freePorts<N extends number>(count: N): Promise<Ports<N>> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < count; i++) servers.push(await listenOnFreePort());
    return servers.map((server) => (server.address() as net.AddressInfo).port) as Ports<N>;
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

const LOWEST_PORT = 10000;
const CANDIDATES_TRIED = 50;

async function listenOnFreePort(): Promise<net.Server> {
  const below = ephemeralRangeStart();
  if (below > LOWEST_PORT + 1000) {
    for (let i = 0; i < CANDIDATES_TRIED; i++) {
      const candidate = LOWEST_PORT + Math.floor(Math.random() * (below - LOWEST_PORT));
      const server = await listenOn(candidate).catch(() => null);
      if (server) return server;
    }
  }
  return listenOn(0);
}

function ephemeralRangeStart(): number {
  try {
    return Number(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  } catch {
    return 0; // not Linux: let the OS pick
  }
}

function listenOn(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/** A server that exited before it listened; `output` is what it printed on the way out. */
export class ExitedBeforeListening extends Error {
  constructor(
    readonly what: string,
    readonly output: string,
  ) {
    super(`${what} exited before it listened${output ? `; its output:\n${output}` : ''}`);
  }

  get portWasTaken(): boolean {
    return /address already in use/i.test(this.output);
  }
}

/**
 * Waits until the server says it listens (`readyLine` in its output: an open port alone could be
 * someone else's) and the port answers.
 */
export async function waitUntilListening(
  port: number,
  timeoutMs: number,
  what: string,
  server: { hasExited(): boolean; recentOutput(): string },
  readyLine: RegExp,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (server.hasExited()) throw new ExitedBeforeListening(what, server.recentOutput());
    if (readyLine.test(server.recentOutput()) && (await isListening(port))) return;
    if (Date.now() > deadline) {
      throw new Error(`${what} did not open port ${port} within ${timeoutMs} ms; its output:\n${server.recentOutput()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function isListening(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Starts a server on `count` free ports, and again on fresh ports (up to `attempts` times in all)
 * when it died because one of them was taken before it could bind.
 */
export async function startOnFreePorts<N extends number, T>(
  count: N,
  start: (ports: Ports<N>) => Promise<T>,
  attempts = 3,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const ports = await freePorts(count);
    try {
      return await start(ports);
    } catch (error) {
      if (!(error instanceof ExitedBeforeListening && error.portWasTaken) || attempt >= attempts) throw error;
    }
  }
}
