import autocannon from 'autocannon';

/**
 * The hold → capture load (bench:debit): each metered request is two calls on one connection,
 * POST /v1/holds then POST /v1/holds/<its id>/capture, as a platform wrapping an LLM call makes
 * them. Input (argv[2], JSON): url, connections, seconds, targets [{key}]; requests rotate over
 * the targets. Output (stdout, JSON): autocannon's summary (latencies are per call).
 */
interface LoadSpec {
  url: string;
  connections: number;
  seconds: number;
  targets: Array<{ key: string }>;
  holdBody: string;
  captureBody: string;
}

const spec = JSON.parse(process.argv[2]!) as LoadSpec;
let next = 0;

const instance = autocannon(
  {
    url: spec.url,
    connections: spec.connections,
    duration: spec.seconds,
    requests: [
      {
        method: 'POST',
        path: '/v1/holds',
        setupRequest: (request: any, context: any) => {
          context.key = spec.targets[next++ % spec.targets.length]!.key;
          request.headers = { ...request.headers, 'content-type': 'application/json', authorization: `Bearer ${context.key}` };
          request.body = spec.holdBody;
          return request;
        },
        onResponse: (status: number, body: string, context: any) => {
          context.holdId = status === 201 ? (JSON.parse(body) as { id: string }).id : 'hold_missing';
        },
      },
      {
        method: 'POST',
        setupRequest: (request: any, context: any) => {
          request.path = `/v1/holds/${context.holdId}/capture`;
          request.headers = { ...request.headers, 'content-type': 'application/json', authorization: `Bearer ${context.key}` };
          request.body = spec.captureBody;
          return request;
        },
      },
    ],
  },
  (error, result) => {
    if (error) {
      process.stderr.write(String(error));
      process.exit(1);
    }
    process.stdout.write(JSON.stringify(result));
  },
);
void instance;
