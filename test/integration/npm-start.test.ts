import { spawn, execSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * `npm start` as a user runs it, beside the test suite's own stack (so two stacks side by side):
 * it comes up on a fresh DATA_DIR, stops on SIGTERM within 10 s leaving no process behind, and
 * finds its data again on the next start.
 */
const root = path.resolve(__dirname, '../..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'settle-npm-start-'));

function startNpm(options: { ownProcessGroup?: boolean } = {}): { child: ChildProcess; banner: Promise<{ apiUrl: string; adminKey: string }> } {
  const child = spawn('npm', ['start'], {
    cwd: root,
    env: { ...process.env, DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
    // like a terminal's foreground job: Ctrl-C signals the whole group
    detached: options.ownProcessGroup ?? false,
  });
  let output = '';
  const banner = new Promise<{ apiUrl: string; adminKey: string }>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const api = /API\s+(http:\/\/\S+)/.exec(output);
      const key = /Admin key\s+(\S+)/.exec(output);
      if (api && key) resolve({ apiUrl: api[1]!, adminKey: key[1]! });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`npm start exited (${code}) before it was up:\n${output}`)));
  });
  return { child, banner };
}

/** Every process below `root` (npm → sh → node → postgres, temporal, stripe-mock). */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const line of execSync('ps -eo pid=,ppid=', { encoding: 'utf8' }).trim().split('\n')) {
    const [pid, ppid] = line.trim().split(/\s+/).map(Number) as [number, number];
    children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length) {
    for (const pid of children.get(queue.shift()!) ?? []) {
      out.push(pid);
      queue.push(pid);
    }
  }
  return out;
}

function alive(pids: number[]): number[] {
  return pids.filter((pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  });
}

const everSeen = new Set<number>();

async function stop(child: ChildProcess): Promise<{ ms: number; tree: number[] }> {
  const tree = descendants(child.pid!);
  tree.forEach((pid) => everSeen.add(pid));
  const started = Date.now();
  child.kill('SIGTERM');
  // npm exits first; our process notices it lost its parent and stops the servers.
  while (alive(tree).length > 0 && Date.now() - started < 15000) await new Promise((r) => setTimeout(r, 100));
  return { ms: Date.now() - started, tree };
}

afterAll(() => {
  for (const pid of alive([...everSeen])) process.kill(pid, 'SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start', () => {
  it('starts, stops cleanly on SIGTERM, and finds its data after a restart', async () => {
    const first = startNpm();
    const { apiUrl, adminKey } = await first.banner;
    const created = await fetch(`${apiUrl}/v1/admin/accounts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Survivor' }),
    }).then((r) => r.json() as Promise<{ id: string }>);
    expect(created.id).toMatch(/^acct_/);
    expect(fs.existsSync(path.join(dataDir, 'temporal.sqlite'))).toBe(true);

    const stopped = await stop(first.child);
    expect(stopped.tree.length).toBeGreaterThanOrEqual(5); // sh, node, postgres, temporal, stripe-mock
    expect(alive(stopped.tree)).toEqual([]);
    expect(stopped.ms).toBeLessThan(10000);

    const second = startNpm();
    const again = await second.banner;
    expect(again.adminKey).toBe(adminKey);
    const key = await fetch(`${again.apiUrl}/v1/admin/accounts/${created.id}/api-keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}` },
    });
    expect(key.status).toBe(201);
    const secondStop = await stop(second.child);
    expect(alive(secondStop.tree)).toEqual([]);
  }, 120000);

  it('stops within 10 s on Ctrl-C (SIGINT to the whole process group), leaving nothing behind', async () => {
    const run = startNpm({ ownProcessGroup: true });
    await run.banner;
    const tree = [run.child.pid!, ...descendants(run.child.pid!)];
    tree.forEach((pid) => everSeen.add(pid));
    const started = Date.now();
    process.kill(-run.child.pid!, 'SIGINT');
    while (alive(tree).length > 0 && Date.now() - started < 15000) await new Promise((r) => setTimeout(r, 100));
    expect(alive(tree)).toEqual([]);
    expect(Date.now() - started).toBeLessThan(10000);
  }, 120000);
});
