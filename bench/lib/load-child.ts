import autocannon from 'autocannon';

/**
 * Runs in its own process so the load generator never shares an event loop with the API.
 * Input (argv[2], JSON): url, path, connections, seconds, targets [{key, body}]; requests
 * rotate over the targets. Output (stdout, JSON): autocannon's summary.
 */
interface LoadSpec {
  url: string;
  path: string;
  connections: number;
  seconds: number;
  targets: Array<{ key: string; body: string }>;
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
        path: spec.path,
        setupRequest: (request: any) => {
          const target = spec.targets[next++ % spec.targets.length]!;
          request.headers = { ...request.headers, 'content-type': 'application/json', authorization: `Bearer ${target.key}` };
          request.body = target.body;
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
