import { z } from 'zod';
import { accessOf, declaredErrorStatuses, type RouteSpec } from './route';

const errorBody = z.object({
  error: z.object({
    code: z.string().meta({ description: 'snake_case error code, e.g. validation_failed' }),
    message: z.string().meta({ description: 'a human sentence saying what is wrong and what to do' }),
    details: z.record(z.string(), z.unknown()),
  }),
});

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'validation_failed: the request is malformed; details name the field',
  401: 'unauthorized: missing, unknown or revoked API key',
  402: 'insufficient_credits',
  403: 'forbidden: the key has the wrong role for this endpoint',
  404: 'not_found',
  409: 'conflict or idempotency_conflict',
  413: 'payload_too_large: the request body is larger than the endpoint accepts',
  429: 'rate_limited: too many requests with this key; retry after Retry-After seconds',
  503: 'unavailable: the database or Temporal is not reachable right now; retry after Retry-After seconds',
};

const retryAfter = { 'Retry-After': { description: 'seconds to wait before retrying', schema: { type: 'integer', minimum: 0 } } };

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const converted = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  delete converted.$schema;
  return converted;
}

/** `/a/:id/b` → `/a/{id}/b`. */
function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z_]+)/g, '{$1}');
}

function parameters(route: RouteSpec): unknown[] {
  const out: unknown[] = [];
  for (const [where, schema] of [['path', route.params], ['query', route.query]] as const) {
    if (!schema) continue;
    const shape = jsonSchema(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
    for (const [name, propertySchema] of Object.entries(shape.properties ?? {})) {
      out.push({ name, in: where, required: where === 'path' || (shape.required ?? []).includes(name), schema: propertySchema });
    }
  }
  if (route.idempotencyKey) {
    out.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description: 'Same key + same body replays the original response (Idempotent-Replayed: true); a different body is a 409.',
      schema: { type: 'string', maxLength: 255 },
    });
  }
  return out;
}

export function buildOpenApiDocument(routes: RouteSpec[], info: { version: string; serverUrl?: string }): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const access = accessOf(route);
    const success = {
      description: route.response.description,
      ...(route.response.schema || route.response.contentType
        ? { content: { [route.response.contentType ?? 'application/json']: { schema: route.response.schema ? jsonSchema(route.response.schema, 'output') : { type: 'string' } } } }
        : {}),
    };
    const responses: Record<string, unknown> = { [route.response.status]: success };
    for (const status of route.response.alsoStatuses ?? []) responses[status] = { ...success, description: ERROR_DESCRIPTIONS[status] ?? route.response.description };
    for (const status of declaredErrorStatuses(route)) {
      if (responses[status]) continue;
      responses[status] = {
        description: ERROR_DESCRIPTIONS[status] ?? 'error',
        ...(status === 429 || status === 503 ? { headers: retryAfter } : {}),
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      };
    }
    const operation: Record<string, unknown> = {
      operationId: `${route.method}${route.path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      tags: [route.tag],
      parameters: parameters(route),
      responses,
      ...(access.includes('public') ? { security: [] } : {}),
    };
    if (route.body) {
      // A body whose fields all have defaults may be left out (an empty POST).
      operation.requestBody = { required: !route.body.safeParse(undefined).success, content: { 'application/json': { schema: jsonSchema(route.body, 'input') } } };
    }
    (paths[openApiPath(route.path)] ??= {})[route.method] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Settle API',
      version: info.version,
      description: 'Credits & settlement: metering, purchases, invoices, closes and publisher payouts.',
    },
    ...(info.serverUrl ? { servers: [{ url: info.serverUrl }] } : {}),
    security: [{ bearerAuth: [] }],
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'an admin, account or publisher API key' } },
      schemas: { Error: jsonSchema(errorBody, 'output') },
    },
    paths,
  };
}
