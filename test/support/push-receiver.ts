import { EventEmitter, once } from 'node:events';
import {
  createServer,
  type IncomingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One push as the receiver got it: the SET and the headers it came with. */
export interface Push {
  set: string;
  headers: IncomingHttpHeaders;
  /** The transmitter's end of the connection, to tell which process sent it. */
  remotePort: number;
}

/** How the receiver answers a push: a status and a JSON body, or `hold` to leave it unanswered. */
export type Answer = { status: number; body?: unknown } | 'hold';

/**
 * An RFC 8935 receiver on a real port: it keeps every push it gets, in order, and answers each as
 * the test says (202 by default). A held push stays open until the receiver closes.
 */
export class PushReceiver {
  readonly pushes: Push[] = [];
  /** Answers the next pushes, one each, before `answer` does. */
  readonly script: Answer[] = [];
  answer: Answer = { status: 202 };
  private readonly arrived = new EventEmitter();
  private readonly held: ServerResponse[] = [];
  private readonly sockets = new Set<Socket>();
  private server: Server | null = null;
  private port = 0;

  static async start(): Promise<PushReceiver> {
    const receiver = new PushReceiver();
    await receiver.listen(0);
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/events`;
  }

  /** Resolves once the receiver has got `count` pushes in all. */
  async received(count: number): Promise<Push[]> {
    while (this.pushes.length < count) await once(this.arrived, 'push');
    return this.pushes.slice(0, count);
  }

  /** Stops listening and drops every connection, as a receiver that went down. */
  async stop(): Promise<void> {
    if (!this.server) return;
    const server = this.server;
    this.server = null;
    this.held.splice(0);
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }

  /** Listens again on the same port, as the receiver back up. */
  async restart(): Promise<void> {
    await this.listen(this.port);
  }

  private async listen(port: number): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        this.pushes.push({
          set: Buffer.concat(chunks).toString('utf8'),
          headers: req.headers,
          remotePort: req.socket.remotePort!,
        });
        const answer = this.script.shift() ?? this.answer;
        if (answer === 'hold') this.held.push(res);
        else {
          res.writeHead(answer.status, { 'Content-Type': 'application/json' });
          res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
        }
        this.arrived.emit('push');
      });
    });
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }
}
