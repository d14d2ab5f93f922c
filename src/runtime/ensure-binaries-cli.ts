import { loadConfigOrExit } from '../config/load-or-exit';
import { resolveDevBinary, STRIPE_MOCK, TEMPORAL_CLI } from './dev-binaries';

/** `npm run dev-servers`: resolve (building once if needed) the Temporal CLI and stripe-mock. */
async function main(): Promise<void> {
  const config = loadConfigOrExit('embedded');
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const temporal = await resolveDevBinary(TEMPORAL_CLI, { explicitPath: config.TEMPORAL_CLI_PATH, cacheDir: config.cacheDir, log });
  const stripeMock = await resolveDevBinary(STRIPE_MOCK, { explicitPath: config.STRIPE_MOCK_PATH, cacheDir: config.cacheDir, log });
  log(`temporal     ${temporal}`);
  log(`stripe-mock  ${stripeMock}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
