import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/config';

const production = {
  DATABASE_URL: 'postgres://u:p@db:5432/settle',
  TEMPORAL_ADDRESS: 'temporal:7233',
  ADMIN_API_KEY: 'sk_settle_admin_key_that_is_long_enough',
  STRIPE_SECRET_KEY: 'sk_test_abc',
  STRIPE_WEBHOOK_SECRET: 'whsec_abc',
};

describe('loadConfig', () => {
  it('needs nothing in embedded mode and applies the defaults', () => {
    const config = loadConfig({}, 'embedded');
    expect(config.PORT).toBe(8080);
    expect(config.dataDir).toBe(path.resolve('.data'));
    expect(config.TEMPORAL_NAMESPACE).toBe('default');
    expect(config.DATABASE_URL).toBeUndefined();
  });

  it('accepts a complete production environment', () => {
    expect(loadConfig(production, 'production').TEMPORAL_ADDRESS).toBe('temporal:7233');
  });

  it.each([
    [{ ...production, DATABASE_URL: undefined }, 'production', 'DATABASE_URL: required'],
    [{ ...production, TEMPORAL_ADDRESS: undefined }, 'production', 'TEMPORAL_ADDRESS: required'],
    [{ ...production, ADMIN_API_KEY: undefined }, 'production', 'ADMIN_API_KEY: required'],
    [{ ...production, ADMIN_API_KEY: 'short' }, 'production', 'ADMIN_API_KEY: must be at least 24 characters'],
    [{ ...production, STRIPE_SECRET_KEY: undefined }, 'production', 'STRIPE_SECRET_KEY: required'],
    [{ ...production, STRIPE_WEBHOOK_SECRET: undefined }, 'production', 'STRIPE_WEBHOOK_SECRET: required'],
    [{ PORT: 'eighty' }, 'embedded', 'PORT:'],
    [{ PORT: '70000' }, 'embedded', 'PORT:'],
    [{ DATABASE_URL: 'not a url' }, 'embedded', 'DATABASE_URL:'],
    [{ TEMPORAL_TLS: 'maybe' }, 'embedded', 'TEMPORAL_TLS:'],
    [{ LOG_LEVEL: 'loud' }, 'embedded', 'LOG_LEVEL:'],
    [{ STRIPE_SECRET_KEY: 'sk_test_abc' }, 'embedded', 'STRIPE_WEBHOOK_SECRET: required when STRIPE_SECRET_KEY is set'],
    [{ STRIPE_TOKEN_METER_EVENT_NAME: 'settle_overage_credits' }, 'embedded', 'STRIPE_TOKEN_METER_EVENT_NAME: must differ from STRIPE_METER_EVENT_NAME'],
  ] as const)('rejects %o in %s mode naming the variable', (env, mode, message) => {
    expect(() => loadConfig(env as NodeJS.ProcessEnv, mode)).toThrow(ConfigError);
    expect(() => loadConfig(env as NodeJS.ProcessEnv, mode)).toThrow(message);
  });
});

describe('entry points with bad configuration', () => {
  const run = (script: string, env: Record<string, string>) =>
    spawnSync(process.execPath, ['--import', 'tsx', script], {
      cwd: path.resolve(__dirname, '../..'),
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      encoding: 'utf8',
      timeout: 30000,
    });

  it.each([
    ['src/api.ts', {}, 'Invalid configuration: DATABASE_URL: required when running the api or worker alone'],
    ['src/worker.ts', { ...production, TEMPORAL_ADDRESS: '' }, 'Invalid configuration: TEMPORAL_ADDRESS: required when running the api or worker alone'],
    ['src/main.ts', { PORT: 'abc' }, 'Invalid configuration: PORT: Invalid input: expected number, received NaN'],
  ])('%s exits non-zero with one line naming the variable', (script, env, line) => {
    const result = run(script, env);
    expect(result.status).not.toBe(0);
    expect(result.stderr.trim()).toBe(line);
  });
});
