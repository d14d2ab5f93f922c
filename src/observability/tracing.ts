import { z } from 'zod';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import type { OpenTelemetrySinks } from '@temporalio/interceptors-opentelemetry';

/**
 * OpenTelemetry traces, from an API request through the Temporal client, the workflow and its
 * activities down to SQL, exported over OTLP/HTTP (JSON). Only when OTEL_EXPORTER_OTLP_ENDPOINT
 * is set: otherwise `startTracing` returns null before anything below is loaded, so an untraced
 * process loads no OpenTelemetry SDK, patches no module and installs no Temporal interceptor
 * (every hook checks `activeTracing()` and passes nothing on). The SDK is required lazily for
 * that reason, and must be started before express and pg are loaded (the instrumentations patch
 * them as they are required), hence first thing in src/api.ts and src/worker.ts.
 *
 * The exporter reads the other standard settings itself (OTEL_EXPORTER_OTLP_HEADERS,
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, OTEL_BSP_SCHEDULE_DELAY, ...).
 */
const tracingEnvSchema = z.object({
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  OTEL_SERVICE_NAME: z.string().trim().min(1).optional(),
});

export type ServiceName = 'settle-api' | 'settle-worker';

export interface Tracing {
  /** For every Temporal Client: starts a span around each workflow start and passes it on in the headers. */
  clientInterceptors: WorkflowClientInterceptor[];
  /** For the worker: a span per activity, with its SQL beneath it. */
  activityInterceptors: ActivityInterceptorsFactory[];
  /** For the worker: workflow spans are made inside the sandbox and exported through this sink. */
  sinks: InjectedSinks<OpenTelemetrySinks>;
  /** Exports what is still buffered; call on shutdown. */
  stop(): Promise<void>;
}

/** The workflow-side interceptors' module, bundled into the workflow code only when tracing. */
export function workflowTracingInterceptors(): string {
  return require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');
}

let active: Tracing | null = null;

export function activeTracing(): Tracing | null {
  return active;
}

export function startTracing(serviceName: ServiceName, env: NodeJS.ProcessEnv = process.env): Tracing | null {
  const given = Object.fromEntries(Object.entries(env).filter(([key, value]) => key.startsWith('OTEL_') && value !== ''));
  const parsed = tracingEnvSchema.safeParse(given);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`Invalid configuration: ${issue.path.join('.')}: ${issue.message}`);
  }
  if (!parsed.data.OTEL_EXPORTER_OTLP_ENDPOINT) return null;
  active ??= loadSdk(parsed.data.OTEL_SERVICE_NAME ?? serviceName);
  return active;
}

/* eslint-disable @typescript-eslint/no-require-imports -- required here, not imported at the top, so that an untraced process never loads them */
function loadSdk(serviceName: string): Tracing {
  const { Resource } = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const { NodeTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-node') as typeof import('@opentelemetry/sdk-trace-node');
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
  const { registerInstrumentations } = require('@opentelemetry/instrumentation') as typeof import('@opentelemetry/instrumentation');
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { ExpressInstrumentation } = require('@opentelemetry/instrumentation-express') as typeof import('@opentelemetry/instrumentation-express');
  const { PgInstrumentation } = require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
  const temporal = require('@temporalio/interceptors-opentelemetry') as typeof import('@temporalio/interceptors-opentelemetry');

  const resource = new Resource({ 'service.name': serviceName });
  const spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter());
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  // global provider, AsyncLocalStorage context and W3C trace-context propagation (which the
  // Temporal interceptors use to carry the trace in workflow and activity headers)
  provider.register();
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [new HttpInstrumentation(), new ExpressInstrumentation(), new PgInstrumentation()],
  });
  return {
    clientInterceptors: [new temporal.OpenTelemetryWorkflowClientInterceptor()],
    activityInterceptors: [
      (ctx) => ({
        inbound: new temporal.OpenTelemetryActivityInboundInterceptor(ctx),
        outbound: new temporal.OpenTelemetryActivityOutboundInterceptor(ctx),
      }),
    ],
    sinks: { exporter: temporal.makeWorkflowExporter(spanProcessor, resource) },
    stop: () => provider.shutdown(),
  };
}
/* eslint-enable @typescript-eslint/no-require-imports */
