/** Characters of lines gathered before they are encoded into one buffer. */
const CHUNK_CHARS = 256 * 1024;

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

  /** @param texts earlier content (as `texts()` gave it): strings of whole lines. */
  constructor(texts: Iterable<string> = []) {
    for (const text of texts) this.push(text);
  }

  push(line: string): void {
    this.pending.push(line);
    this.pendingChars += line.length;
    if (this.pendingChars >= CHUNK_CHARS) this.flush();
  }

  /** The content in order, as buffers that each hold whole lines (so each decodes on its own). */
  buffers(): readonly Buffer[] {
    this.flush();
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

  private flush(): void {
    if (this.pending.length === 0) return;
    this.chunks.push(Buffer.from(this.pending.join(''), 'utf8'));
    this.pending = [];
    this.pendingChars = 0;
  }
}
