import fs from 'node:fs';
import type { Stack } from '../../src/runtime/stack';
import { readStackInfo } from './stack-info';

export default async function globalTeardown(): Promise<void> {
  const stack = (globalThis as { __settleStack?: Stack }).__settleStack;
  const info = readStackInfo();
  await stack?.stop();
  fs.rmSync(info.dataDir, { recursive: true, force: true });
}
