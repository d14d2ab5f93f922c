import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Config } from '../../config/config';
import { activeTracing } from '../../observability/tracing';

export interface TemporalTarget {
  address: string;
  namespace: string;
  apiKey?: string;
  tls: boolean;
}

export function temporalTarget(config: Config, address: string): TemporalTarget {
  return { address, namespace: config.TEMPORAL_NAMESPACE, apiKey: config.TEMPORAL_API_KEY, tls: config.TEMPORAL_TLS || Boolean(config.TEMPORAL_API_KEY) };
}

export async function connectClient(target: TemporalTarget): Promise<Client> {
  const connection = await Connection.connect({ address: target.address, tls: target.tls, apiKey: target.apiKey });
  // with tracing on, each workflow start gets a span and carries the trace to the workflow
  const tracing = activeTracing();
  return new Client({ connection, namespace: target.namespace, ...(tracing && { interceptors: { workflow: tracing.clientInterceptors } }) });
}

export function connectWorkerConnection(target: TemporalTarget): Promise<NativeConnection> {
  return NativeConnection.connect({ address: target.address, tls: target.tls, apiKey: target.apiKey });
}
