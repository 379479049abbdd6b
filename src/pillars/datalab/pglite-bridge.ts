// A PostgreSQL wire-protocol server in front of one PGlite database: the data lab's engine when the
// machine has no PostgreSQL server binaries. PGlite is one backend in this process (one session), so
// several client connections share it in turns: a connection holds the backend from its first
// message until the backend says it is idle again (ReadyForQuery 'I': no open transaction, no
// unfinished extended-protocol batch); the others wait their turn, first come first served. Why our
// own and not @electric-sql/pglite-socket: DECISIONS.md D-datalab-4.
//
// What is shared between connections because the backend is one: session settings (SET), named
// prepared statements, temporary tables, LISTEN. Clients that need them per connection need the
// PostgreSQL engine. Each message is handed to PGlite whole (`execProtocolRaw`); the startup
// exchange is answered with the backend's own reply to a startup made once at boot.
import net from 'node:net';

/** The backend side the bridge drives: PGlite's raw protocol entry (and a test double never). */
export interface RawBackend {
  execProtocolRaw(message: Uint8Array): Promise<Uint8Array>;
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const PROTOCOL_3 = 196608;
/** Larger messages close the connection: a lab is not a bulk loader, and the buffer must be bounded. */
export const MAX_MESSAGE = 256 * 1024 * 1024;

/** A startup message (protocol 3.0) for user and database. */
export function startupMessage(user: string, database: string): Buffer {
  const body = Buffer.concat([Buffer.from([0, 3, 0, 0]), Buffer.from(`user\0${user}\0database\0${database}\0\0`)]);
  const len = Buffer.alloc(4);
  len.writeInt32BE(body.length + 4);
  return Buffer.concat([len, body]);
}

const typed = (type: string, body: Buffer) => {
  const head = Buffer.alloc(5);
  head[0] = type.charCodeAt(0);
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
};
const simpleQuery = (sql: string) => typed('Q', Buffer.from(`${sql}\0`));
const SYNC = typed('S', Buffer.alloc(0));

/** An ErrorResponse the client shows (severity FATAL, SQLSTATE, message). */
function errorResponse(code: string, message: string): Buffer {
  return typed('E', Buffer.from(`SFATAL\0VFATAL\0C${code}\0M${message}\0\0`));
}

/** The status byte of the last ReadyForQuery in a backend reply ('I', 'T', 'E'), or null when it has none. */
export function lastReadyStatus(reply: Uint8Array): string | null {
  const b = Buffer.isBuffer(reply) ? reply : Buffer.from(reply.buffer, reply.byteOffset, reply.byteLength);
  let status: string | null = null;
  for (let i = 0; i + 5 <= b.length;) {
    const len = b.readInt32BE(i + 1);
    if (len < 4) break;
    if (b[i] === 0x5a && i + 6 <= b.length) status = String.fromCharCode(b[i + 5]!);
    i += 1 + len;
  }
  return status;
}

/** Turns of the one backend: FIFO, held by one connection at a time. */
class Turns {
  private holder: object | null = null;
  private readonly waiting: { who: object; go: () => void }[] = [];

  async take(who: object): Promise<void> {
    if (this.holder === who) return;
    if (this.holder === null) {
      this.holder = who;
      return;
    }
    await new Promise<void>((go) => this.waiting.push({ who, go }));
  }

  holds(who: object): boolean {
    return this.holder === who;
  }

  release(who: object): void {
    if (this.holder !== who) return;
    const next = this.waiting.shift();
    this.holder = next?.who ?? null;
    next?.go();
  }

  /** A connection gone while waiting leaves the queue. */
  forget(who: object): void {
    const i = this.waiting.findIndex((w) => w.who === who);
    if (i >= 0) this.waiting.splice(i, 1);
    this.release(who);
  }
}

export interface Bridge {
  server: net.Server;
  /** Open client connections (for shutdown and tests). */
  connections(): number;
  close(): Promise<void>;
}

/**
 * Serves the backend on a TCP server. `startupReply` is the backend's answer to a startup message
 * (made once by the caller); every connection's startup gets it.
 */
export function serveBackend(backend: RawBackend, startupReply: Uint8Array): Bridge {
  // PGlite's replies may be views into its WebAssembly memory, overwritten by the next call: copy
  // before keeping one or handing it to a socket (which may write it later).
  const greeting = Buffer.from(startupReply);
  const turns = new Turns();
  const sockets = new Set<net.Socket>();

  const server = net.createServer((socket) => {
    sockets.add(socket);
    const me = {};
    let buffered: Buffer = Buffer.alloc(0);
    let started = false;
    let busy = false;
    let closed = false;

    /** Leaves the backend idle for the next connection: ends an open batch or transaction. */
    const cleanUp = async () => {
      if (!turns.holds(me)) return turns.forget(me);
      try {
        let status = lastReadyStatus(await backend.execProtocolRaw(SYNC));
        if (status !== 'I') status = lastReadyStatus(await backend.execProtocolRaw(simpleQuery('ROLLBACK')));
      } finally {
        turns.forget(me);
      }
    };

    const finish = () => {
      if (closed) return;
      closed = true;
      sockets.delete(socket);
      socket.destroy();
      void cleanUp().catch(() => undefined);
    };

    /** Handles whole messages in order; one pass at a time per connection. */
    const drain = async () => {
      if (busy) return;
      busy = true;
      try {
        for (;;) {
          if (closed) return;
          if (!started) {
            if (buffered.length < 8) return;
            const len = buffered.readInt32BE(0);
            if (len < 8 || len > 10_000) return refuse('08P01', 'invalid startup packet length');
            if (buffered.length < len) return;
            const code = buffered.readInt32BE(4);
            buffered = buffered.subarray(len);
            if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
              socket.write('N'); // no TLS on a loopback lab
              continue;
            }
            if (code === CANCEL_REQUEST) return finish();
            if (code !== PROTOCOL_3) return refuse('0A000', `unsupported frontend protocol ${code >> 16}.${code & 0xffff}`);
            started = true;
            socket.write(greeting);
            continue;
          }
          if (buffered.length < 5) return;
          const len = buffered.readInt32BE(1);
          if (len < 4 || len > MAX_MESSAGE) return refuse('54000', `message of ${len} bytes is over the lab's limit of ${MAX_MESSAGE}`);
          if (buffered.length < len + 1) return;
          const message = buffered.subarray(0, len + 1);
          buffered = buffered.subarray(len + 1);
          if (message[0] === 0x58) return finish(); // Terminate: the backend stays up for the others
          await turns.take(me);
          if (closed) return;
          const reply = Buffer.from(await backend.execProtocolRaw(message));
          if (!closed && reply.length) socket.write(reply);
          if (lastReadyStatus(reply) === 'I') turns.release(me);
        }
      } catch (e) {
        if (!closed) socket.write(errorResponse('XX000', `the lab's database failed: ${(e as Error).message}`));
        finish();
      } finally {
        busy = false;
      }
    };

    const refuse = (code: string, message: string) => {
      socket.write(errorResponse(code, message));
      finish();
    };

    socket.on('data', (chunk: Buffer) => {
      buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
      void drain().then(() => {
        // Data that arrived while a pass ran is handled by the next pass.
        if (!busy && !closed && buffered.length) void drain();
      });
    });
    socket.on('error', finish);
    socket.on('close', finish);
  });

  return {
    server,
    connections: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
