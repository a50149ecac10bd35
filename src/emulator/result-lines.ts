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
  private count = 0;

  constructor(lines: Iterable<string> = []) {
    for (const line of lines) this.push(line);
  }

  get length(): number {
    return this.count;
  }

  push(line: string): void {
    this.pending.push(line);
    this.pendingChars += line.length;
    this.count++;
    if (this.pendingChars >= CHUNK_CHARS) this.flush();
  }

  /** The content in order, as buffers that each hold whole lines (so each decodes on its own). */
  buffers(): readonly Buffer[] {
    this.flush();
    return this.chunks;
  }

  /** The lines one by one (for snapshots): every line is a CSV record, so it ends at an LF outside quotes. */
  lines(): string[] {
    const out: string[] = [];
    for (const chunk of this.buffers()) {
      const text = chunk.toString('utf8');
      let start = 0;
      let quoted = false;
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c === 0x22) {
          quoted = !quoted;
        } else if (c === 0x0a && !quoted) {
          out.push(text.slice(start, i + 1));
          start = i + 1;
        }
      }
    }
    return out;
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    this.chunks.push(Buffer.from(this.pending.join(''), 'utf8'));
    this.pending = [];
    this.pendingChars = 0;
  }
}
