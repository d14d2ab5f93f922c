import path from 'node:path';
import { bundleWorkflowCode, Worker, type NativeConnection, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../../activities';
import { activeTracing, workflowTracingInterceptors } from '../observability/tracing';

export const WORKFLOWS_PATH = path.resolve(__dirname, '../../workflows/index.ts');

/** Bundling takes seconds; do it once per process and share it between workers. */
let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietBundlerLogger });
  return bundle;
}

/** The same workflows with OpenTelemetry's workflow interceptors bundled in (they only add spans, no commands). */
let tracedBundle: Promise<WorkflowBundleWithSourceMap> | undefined;
export function tracedWorkflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  tracedBundle ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, workflowInterceptorModules: [workflowTracingInterceptors()], logger: quietBundlerLogger });
  return tracedBundle;
}

const quietBundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string, meta?: unknown) => console.warn(message, meta ?? ''),
  error: (message: string, meta?: unknown) => console.error(message, meta ?? ''),
};

export async function createWorker(options: {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
}): Promise<Worker> {
  const tracing = activeTracing();
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowBundle: tracing ? await tracedWorkflowBundle() : await workflowBundle(),
    activities: createActivities(options.deps),
    // tracing off: no interceptors, no sinks, the plain bundle
    ...(tracing && { interceptors: { activity: tracing.activityInterceptors }, sinks: tracing.sinks }),
    // Two cores: keep the worker from starving the API that shares the machine.
    maxConcurrentActivityTaskExecutions: 50,
    shutdownGraceTime: '5 seconds',
  });
}
