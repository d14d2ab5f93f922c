import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { envSchema, loadConfig } from '../../src/config/config';

// No Docker engine runs here, so the compose file is checked against the config schema instead.
const compose = YAML.parse(fs.readFileSync(path.resolve(__dirname, '../../docker-compose.yml'), 'utf8'), { merge: true });
const services = compose.services as Record<string, any>;
const knownVariables = Object.keys(envSchema.shape);

describe('docker-compose.yml', () => {
  it('has every service of the stack', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'postgres', 'stripe-mock', 'temporal', 'temporal-db', 'temporal-ui', 'worker']);
    expect(services['stripe-mock'].image).toBe('stripe/stripe-mock:v0.197.0');
  });

  it.each(['api', 'worker'])('%s sets only variables the config schema knows, and a complete production config', (name) => {
    const environment = services[name].environment as Record<string, string | number>;
    expect(Object.keys(environment).filter((key) => !knownVariables.includes(key))).toEqual([]);
    // ${VAR:-default} → the default, as compose would substitute with nothing exported
    const resolved = Object.fromEntries(
      Object.entries(environment).map(([key, value]) => [key, String(value).replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1')]),
    );
    expect(() => loadConfig(resolved, 'production')).not.toThrow();
  });

  it('points the processes at services and ports that exist', () => {
    const env = services.api.environment;
    const hostPort = (value: string) => {
      const url = new URL(value.includes('://') ? value : `grpc://${value}`);
      return { host: url.hostname, port: Number(url.port) };
    };
    const db = hostPort(env.DATABASE_URL);
    expect(services[db.host]).toBeDefined();
    expect(db.port).toBe(5432);
    const temporal = hostPort(env.TEMPORAL_ADDRESS);
    expect(services[temporal.host].ports).toContain(`${temporal.port}:${temporal.port}`);
    const stripe = hostPort(env.STRIPE_API_BASE);
    expect(services[stripe.host].ports).toContain(`${stripe.port}:${stripe.port}`);
    expect(services.api.ports).toContain(`${env.PORT}:${env.PORT}`);
    expect(services.api.command).toEqual(['npm', 'run', 'api']);
    expect(services.worker.command).toEqual(['npm', 'run', 'worker']);
  });

  it('builds the app image from a Dockerfile that runs the api by default', () => {
    const dockerfile = fs.readFileSync(path.resolve(__dirname, '../../Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM node:20/m);
    expect(dockerfile).toContain('npm ci');
  });
});
