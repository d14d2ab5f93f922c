import type { RequestHandler } from 'express';
import { errorBody } from './error-handler';
import type { RouteSpec } from './route';

/**
 * A path the API serves, asked with a method it does not declare, is a 405 with an `Allow`
 * header (HTTP's answer, and what API clients and fuzzers expect), not a 404 that says the path
 * does not exist. Runs after every route, so only unanswered requests reach it.
 */
export function methodNotAllowed(routes: RouteSpec[]): RequestHandler {
  const byPath = new Map<string, { pattern: RegExp; methods: Set<string>; literal: boolean }>();
  for (const route of routes) {
    const entry = byPath.get(route.path) ?? { pattern: new RegExp(`^${route.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z_]+/g, '[^/]+')}$`), methods: new Set<string>(), literal: !route.path.includes(':') };
    entry.methods.add(route.method.toUpperCase());
    if (route.method === 'get') entry.methods.add('HEAD');
    byPath.set(route.path, entry);
  }
  const entries = [...byPath.values()];
  return (req, res, next) => {
    const allowed = new Set<string>();
    // A literal path outranks a template that also matches it (POST /v1/usage/quote is not GET /v1/usage/:id), as in OpenAPI.
    const matching = entries.filter((entry) => entry.pattern.test(req.path));
    const literal = matching.filter((entry) => entry.literal);
    for (const entry of literal.length > 0 ? literal : matching) for (const method of entry.methods) allowed.add(method);
    if (allowed.size === 0 || allowed.has(req.method)) {
      next();
      return;
    }
    const allow = [...allowed].sort().join(', ');
    res.set('Allow', allow).status(405).json(errorBody('method_not_allowed', `${req.method} is not supported on ${req.path}; use ${allow}`, { allow: [...allowed].sort() }));
  };
}
