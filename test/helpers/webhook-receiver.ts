import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One request the receiver got, and whether the independent library accepted its signature. */
export interface Received {
  id: string;
  timestamp: string;
  signature: string;
  body: any;
  rawBody: string;
  verified: boolean;
}

/** What the receiver does with one request: answer a status (with headers), or never answer. */
export type Reply = number | { status: number; headers: Record<string, string> } | 'hang';

/**
 * A real HTTP receiver on loopback for outgoing webhooks: it verifies every request with the
 * `standardwebhooks` package (an implementation independent of ours) against `secrets`, records
 * it, and answers from `replies` in order (then 200).
 */
export class WebhookReceiver {
  readonly received: Received[] = [];
  readonly replies: Reply[] = [];
  secrets: string[] = [];
  private readonly hanging = new Set<http.ServerResponse>();
  private server!: http.Server;
  url = '';

  static async start(path = '/hooks'): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver();
    receiver.server = http.createServer((req, res) => receiver.handle(req, res));
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    receiver.url = `http://127.0.0.1:${(receiver.server.address() as AddressInfo).port}${path}`;
    return receiver;
  }

  get pendingReplies(): number {
    return this.hanging.size;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString();
      const headers = { 'webhook-id': String(req.headers['webhook-id']), 'webhook-timestamp': String(req.headers['webhook-timestamp']), 'webhook-signature': String(req.headers['webhook-signature']) };
      const verified = this.secrets.some((secret) => {
        try {
          new Webhook(secret).verify(rawBody, headers);
          return true;
        } catch {
          return false;
        }
      });
      this.received.push({ id: headers['webhook-id'], timestamp: headers['webhook-timestamp'], signature: headers['webhook-signature'], body: JSON.parse(rawBody), rawBody, verified });
      const reply = this.replies.shift() ?? 200;
      if (reply === 'hang') {
        this.hanging.add(res);
        return;
      }
      const { status, headers: extra } = typeof reply === 'number' ? { status: reply, headers: {} } : reply;
      res.writeHead(status, extra).end('ok');
    });
  }

  ofType(type: string): Received[] {
    return this.received.filter((r) => r.body.type === type);
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
