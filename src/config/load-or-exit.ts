import { ConfigError, loadConfig, type Config, type Mode } from './config';

/** Entry points call this: a bad value ends the process with one line naming it. */
export function loadConfigOrExit(mode: Mode): Config {
  try {
    return loadConfig(process.env, mode);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}
