/**
 * Characters of lines gathered as strings before they are encoded. Small on purpose: lines waiting here
 * outlive V8's young-generation collections and get copied by each, so a quarter-megabyte of them cost a
 * tenth of a million-record job's processing time; 16K characters cost next to nothing.
 */
const PENDING_CHARS = 16 * 1024;

/**
 * The sizes of the buffers the lines are encoded into: the first of a job's results this big, each next
 * one twice the one before, up to the last size (a job's last buffer is trimmed when it ends).
 */
const FIRST_BUFFER_BYTES = 64 * 1024;
const MAX_BUFFER_BYTES = 1024 * 1024;

/**
 * The lines of one result CSV of a job (successful, failed or unprocessed records), each a whole CSV record
 * ending in LF. They are kept as UTF-8 in buffers of many lines rather than as one string each: a job of a
 * million records then holds its results in about their size in bytes, outside the V8 heap, instead of
 * a million strings (two bytes a character once one is not Latin-1) that every garbage collection visits.
 */
export class ResultLines {
  private readonly chunks: Buffer[] = [];
  private pending: string[] = [];
  private pendingChars = 0;
  /** The buffer being filled, `used` bytes of it so far. */
  private current: Buffer = Buffer.alloc(0);
  private used = 0;
  private nextSize = FIRST_BUFFER_BYTES;

  /** @param texts earlier content (as `texts()` gave it): strings of whole lines. */
  constructor(texts: Iterable<string> = []) {
    for (const text of texts) this.push(text);
  }

  push(line: string): void {
    this.pending.push(line);
    this.pendingChars += line.length;
    if (this.pendingChars >= PENDING_CHARS) this.encode();
  }

  /** The content in order, as buffers that each hold whole lines (so each decodes on its own). */
  buffers(): readonly Buffer[] {
    this.encode();
    this.seal();
    return this.chunks;
  }

  /**
   * The content as strings of whole lines (for snapshots). Not one string per line: an unprocessed record
   * is echoed as it was uploaded, where an unquoted value may hold a `"`, so lines cannot be told apart
   * again by counting quotes.
   */
  texts(): string[] {
    return this.buffers().map((chunk) => chunk.toString('utf8'));
  }

  /** Written in full: the room left in the last buffer is given back. */
  close(): void {
    this.buffers();
    const last = this.chunks.length - 1;
    if (last >= 0 && this.chunks[last]!.buffer.byteLength > 2 * this.chunks[last]!.length) {
      this.chunks[last] = Buffer.from(this.chunks[last]!);
    }
    this.current = Buffer.alloc(0);
  }

  /** Encodes the pending lines at the end of the current buffer (a new one if they do not fit). */
  private encode(): void {
    if (this.pending.length === 0) return;
    const text = this.pending.join('');
    this.pending = [];
    this.pendingChars = 0;
    if (this.used + text.length * 3 > this.current.length) {
      this.seal();
      this.current = Buffer.allocUnsafeSlow(Math.max(this.nextSize, text.length * 3));
      this.nextSize = Math.min(2 * this.nextSize, MAX_BUFFER_BYTES);
    }
    this.used += this.current.write(text, this.used);
  }

  /** Moves what the current buffer holds to `chunks`; writing goes on in the rest of it. */
  private seal(): void {
    if (this.used === 0) return;
    this.chunks.push(this.current.subarray(0, this.used));
    this.current = this.current.subarray(this.used);
    this.used = 0;
  }
}
