import { Socket } from 'node:net';

/** What crossed an org's port, as its sockets counted it (headers and chunked framing included). */
export interface Traffic {
  /** Bytes the org read from its connections, since it started or was reset. */
  readonly bytesReceived: number;
  /** Bytes the org wrote to its connections. */
  readonly bytesSent: number;
  /** The result CSVs it answered (successfulResults, failedResults, unprocessedrecords). */
  readonly results: {
    readonly answers: number;
    /** Of those, the answers sent gzip-compressed. */
    readonly compressed: number;
    /** Bytes written to the sockets for them: status line, headers and body as sent. */
    readonly bytesSent: number;
    /** The CSVs' own size, before any compression. */
    readonly csvBytes: number;
  };
}

/**
 * Counts the bytes an org's server reads and writes, from its sockets (`bytesRead`, `bytesWritten`), so a
 * benchmark can tell what would cross a network: a compressed answer counts as the bytes sent, not the CSV.
 */
export class TrafficCounter {
  private readonly open = new Set<Socket>();
  /** Totals of the sockets already closed, less what the sockets open at the last reset had counted by then. */
  private closedReceived = 0;
  private closedSent = 0;
  private results = { answers: 0, compressed: 0, bytesSent: 0, csvBytes: 0 };

  /** Counts a new connection's bytes from now on. */
  watch(socket: Socket): void {
    this.open.add(socket);
    socket.once('close', () => {
      this.open.delete(socket);
      this.closedReceived += socket.bytesRead;
      this.closedSent += socket.bytesWritten;
    });
  }

  /**
   * Starts counting one result answer on `socket`; the returned function ends it (the first call counts, later
   * ones do nothing), once the answer is finished or cut short. HTTP/1.1 answers on one connection go one after
   * the other, so the socket's growth in between is this answer.
   */
  result(socket: Socket | null, compressed: boolean): (csvBytes: number) => void {
    const before = socket?.bytesWritten ?? 0;
    let counted = false;
    return (csvBytes) => {
      if (counted) return;
      counted = true;
      this.results.answers++;
      if (compressed) this.results.compressed++;
      this.results.bytesSent += (socket?.bytesWritten ?? before) - before;
      this.results.csvBytes += csvBytes;
    };
  }

  current(): Traffic {
    let received = this.closedReceived;
    let sent = this.closedSent;
    for (const socket of this.open) {
      received += socket.bytesRead;
      sent += socket.bytesWritten;
    }
    return { bytesReceived: received, bytesSent: sent, results: { ...this.results } };
  }

  /** Starts every count again from zero; open connections count from their current totals on. */
  reset(): void {
    let received = 0;
    let sent = 0;
    for (const socket of this.open) {
      received += socket.bytesRead;
      sent += socket.bytesWritten;
    }
    this.closedReceived = -received;
    this.closedSent = -sent;
    this.results = { answers: 0, compressed: 0, bytesSent: 0, csvBytes: 0 };
  }
}
