import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/output';
import { readStackInfo } from './stack-info';

/** Runs the `settle` CLI in-process against the test stack's API, capturing its output. */
export async function settle(...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const stack = readStackInfo();
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (line) => out.push(line), err: (line) => err.push(line), isTTY: false };
  const code = await main(['node', 'settle', '--api-url', stack.apiUrl, '--api-key', stack.adminApiKey, '--poll-ms', '100', ...args], io);
  return { code, out, err };
}
