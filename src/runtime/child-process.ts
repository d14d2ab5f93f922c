import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * A dev server we started. Its output goes to a log file under DATA_DIR/logs so the terminal
 * stays readable; `stop` ends it with SIGTERM, then SIGKILL, and never leaves it behind.
 */
export interface ManagedProcess {
  name: string;
  logFile: string;
  hasExited(): boolean;
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
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
    });
  });
  // The parent dying by SIGKILL cannot run our handlers; at least never keep the parent alive.
  child.unref();
  return {
    name,
    logFile,
    hasExited: () => exited,
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
