import path from 'node:path';
import { build } from 'esbuild';

/**
 * The console's browser code, compiled from src/console/ui by esbuild on first request and kept
 * in memory: `npm install && npm start` serves it with no build step, and nothing is fetched
 * from a CDN. A failed build is not cached, so a fixed file is picked up by the next request.
 */
const UI_DIR = path.join(__dirname, 'ui');

export interface ConsoleAssets {
  script: string;
  style: string;
}

let cached: Promise<ConsoleAssets> | null = null;

async function compile(): Promise<ConsoleAssets> {
  const result = await build({
    entryPoints: [path.join(UI_DIR, 'main.ts'), path.join(UI_DIR, 'console.css')],
    bundle: true,
    write: false,
    outdir: 'console-out',
    format: 'iife',
    platform: 'browser',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const text = (ext: string) => result.outputFiles.find((file) => file.path.endsWith(ext))?.text ?? '';
  return { script: text('.js'), style: text('.css') };
}

export function consoleAssets(): Promise<ConsoleAssets> {
  cached ??= compile().catch((error: unknown) => {
    cached = null;
    throw error;
  });
  return cached;
}
