import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { waitUntilListening } from './free-port';

/**
 * A dev server we started. Its output goes to a log file under DATA_DIR/logs so the terminal
 * stays readable; `stop` ends it with SIGTERM, then SIGKILL, and never leaves it behind.
 */
export interface ManagedProcess {
  name: string;
  logFile: string;
  hasExited(): boolean;
  /** Settles when it exits, however it ends, with how it ended ("exit code 1", "signal SIGKILL"). */
  exited: Promise<string>;
  /** The last lines it has written since this start (the log file is appended to across runs). */
  recentOutput(): string;
  stop(): Promise<void>;
}

const RECENT_OUTPUT_BYTES = 4096;

export function startManagedProcess(
  name: string,
  command: string,
  args: string[],
  options: { logDir: string; cwd?: string },
): ManagedProcess {
  fs.mkdirSync(options.logDir, { recursive: true });
  const logFile = path.join(options.logDir, `${name}.log`);
  const out = fs.openSync(logFile, 'a');
  const startOffset = fs.fstatSync(out).size;
  const child: ChildProcess = spawn(command, args, {
    cwd: options.cwd,
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  let exited = child.exitCode !== null;
  const exitedPromise = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true;
      resolve(describeExit(code, signal));
    });
  });
  // The parent dying by SIGKILL cannot run our handlers; at least never keep the parent alive.
  child.unref();
  return {
    name,
    logFile,
    hasExited: () => exited,
    exited: exitedPromise,
    recentOutput: () => readTail(logFile, startOffset, RECENT_OUTPUT_BYTES),
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const killTimer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exitedPromise;
      clearTimeout(killTimer);
    },
  };
}

/**
 * A dev server that must listen on `port`: started, then awaited until its own `readyLine`
 * says so; stopped again when it never does (the error says why, with its output).
 */
export async function startListeningProcess(
  name: string,
  command: string,
  args: string[],
  options: { logDir: string; cwd?: string },
  ready: { what: string; port: number; readyLine: RegExp; timeoutMs: number },
): Promise<ManagedProcess> {
  const server = startManagedProcess(name, command, args, options);
  try {
    await waitUntilListening(ready.port, ready.timeoutMs, ready.what, server, ready.readyLine);
    return server;
  } catch (error) {
    await server.stop();
    throw error;
  }
}

export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `signal ${signal}` : `exit code ${code}`;
}

function readTail(file: string, fromOffset: number, maxBytes: number): string {
  const fd = fs.openSync(file, 'r');
  try {
    const end = fs.fstatSync(fd).size;
    const start = Math.max(fromOffset, end - maxBytes);
    const buffer = Buffer.alloc(end - start);
    fs.readSync(fd, buffer, 0, buffer.length, start);
    return buffer.toString('utf8').trim();
  } finally {
    fs.closeSync(fd);
  }
}
