import { isUtf8 } from 'node:buffer';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { BadHeaderError, CsvPart, EmptySourceError, RejectedRow, splitCsv } from '../../src/pipeline/csv-splitter';

/**
 * Property: whatever bytes arrive, the splitter accounts for every row. Valid CSVs are generated (random
 * headers; values with commas, quotes, line breaks, unicode, empty ones; LF and CRLF; BOM; blank lines), then
 * damaged at random (bytes inserted or deleted, stray quotes, extra delimiters, bare CRs and LFs, NUL,
 * invalid UTF-8, truncation) and fed in random chunks. For every input:
 *
 * - the only exceptions are the typed header errors (BadHeaderError, EmptySourceError);
 * - rowsRead === rowsInParts + rejected, and it is the number of records in the input;
 * - every record is either rejected (once, at its line) or in the parts exactly once, in order, byte for byte;
 * - every part re-parses with csv-parse into rows with the header's number of columns, within both limits.
 *
 * The seed is fixed so CI is repeatable; FC_SEED and FC_RUNS explore further (`FC_SEED=$RANDOM npx jest …`).
 */
const SEED = Number(process.env.FC_SEED ?? 20_261_122);
const RUNS = Number(process.env.FC_RUNS ?? 1_000);

jest.setTimeout(60_000);

// ---- generating valid CSVs -----------------------------------------------------------------------------

/** Pieces that stress a CSV reader, mixed with printable unicode graphemes. */
const TRICKY = ['', ',', '"', '""', '\n', '\r\n', '\r', ' ', 'Zoë', '山田', '😀', '=SUM(A1)', '+1', '\t'];
const value = fc
  .array(fc.oneof(fc.constantFrom(...TRICKY), fc.string({ unit: 'grapheme', maxLength: 4 })), { maxLength: 4 })
  .map((pieces) => pieces.join(''));
/** Mostly API-name-like, sometimes any printable unicode (the header is only refused when it is broken). */
const columnName = fc.oneof(
  { weight: 3, arbitrary: fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,11}$/) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }).filter((n) => n.trim() !== '') },
);

interface ValidCsv {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
  readonly bytes: Buffer;
}

const validCsv: fc.Arbitrary<ValidCsv> = fc
  .uniqueArray(columnName, { minLength: 1, maxLength: 6, selector: (name) => name.toLowerCase() })
  .chain((header) =>
    fc.record({
      header: fc.constant(header),
      rows: fc.array(fc.array(value, { minLength: header.length, maxLength: header.length }), {
        minLength: 1,
        maxLength: 25,
        size: 'medium',
      }),
      bom: fc.boolean(),
      endings: fc.array(fc.constantFrom('\n', '\r\n'), { minLength: 27, maxLength: 27 }),
      blankAfter: fc.array(fc.boolean(), { minLength: 27, maxLength: 27 }),
      quoteAll: fc.boolean(),
      finalLineBreak: fc.boolean(),
    }),
  )
  .map(({ header, rows, bom, endings, blankAfter, quoteAll, finalLineBreak }) => {
    // One empty value alone on a line would be a blank line, which is not a row.
    const fixed = rows.map((r) => (r.length === 1 && r[0] === '' ? ['v'] : r));
    const field = (v: string) => (quoteAll || /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
    const lines = [header, ...fixed].map((r) => r.map(field).join(','));
    let text = bom ? '\ufeff' : '';
    lines.forEach((line, i) => {
      const last = i === lines.length - 1;
      text += line + (last && !finalLineBreak ? '' : endings[i]!);
      if (blankAfter[i] && !last) text += endings[i + 1]!;
    });
    return { header, rows: fixed, bytes: Buffer.from(text, 'utf8') };
  });

// ---- damaging them -------------------------------------------------------------------------------------

/**
 * `at` is a fraction of the rows' bytes, or of the whole input when `anywhere` (one time in ten: a broken
 * header only ever gives the typed header errors, so most damage goes where rows are).
 */
type Mutation = { readonly at: number; readonly anywhere: boolean } & (
  | { readonly kind: 'insert'; readonly bytes: Uint8Array }
  | { readonly kind: 'delete'; readonly length: number }
  | { readonly kind: 'truncate' }
);

/** Bytes that break CSVs in the wild: stray quotes, delimiters, line-ending debris, NUL, invalid UTF-8. */
const DAMAGE = [
  [0x22],
  [0x2c],
  [0x0d],
  [0x0a],
  [0x00],
  [0x61, 0x00],
  [0xff],
  [0xc3],
  [0xe2, 0x82],
  [0xed, 0xa0, 0x80],
  [0xc0, 0xaf],
  [0x22, 0x2c, 0x22],
].map((b) => Uint8Array.from(b));

const where = { at: fc.double({ min: 0, max: 1, noNaN: true }), anywhere: fc.nat({ max: 9 }).map((n) => n === 0) };
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      ...where,
      kind: fc.constant('insert' as const),
      bytes: fc.oneof(fc.constantFrom(...DAMAGE), fc.uint8Array({ minLength: 1, maxLength: 4 })),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ ...where, kind: fc.constant('delete' as const), length: fc.integer({ min: 1, max: 6 }) }),
  },
  { weight: 1, arbitrary: fc.record({ ...where, kind: fc.constant('truncate' as const) }) },
);

function damage(input: Buffer, mutations: readonly Mutation[]): Buffer {
  let out = input;
  const bodyStart = input.indexOf(0x0a) + 1;
  for (const m of mutations) {
    const from = m.anywhere ? 0 : Math.min(bodyStart, out.length);
    const at = from + Math.floor(m.at * (out.length - from));
    if (m.kind === 'insert') out = Buffer.concat([out.subarray(0, at), m.bytes, out.subarray(at)]);
    else if (m.kind === 'delete') out = Buffer.concat([out.subarray(0, at), out.subarray(at + m.length)]);
    else out = out.subarray(0, at);
  }
  return out;
}

/** Tiny chunks cut rows, characters and CRLFs apart; big ones take the scanner's fast paths. */
const chunking = fc.array(fc.oneof(fc.integer({ min: 1, max: 96 }), fc.integer({ min: 97, max: 65_536 })), {
  minLength: 1,
  maxLength: 8,
});

function chunked(input: Buffer, sizes: readonly number[]): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0, i = 0; at < input.length; i++) {
    const size = sizes[i % sizes.length]!;
    chunks.push(input.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

// ---- the reference: records as RFC 4180 reads them, slowly and plainly ----------------------------------

interface SourceRecord {
  /** Physical line the record starts on (1-based). */
  readonly line: number;
  /** Its bytes without the line ending (LF, or CRLF outside quotes). */
  readonly bytes: Buffer;
}

/**
 * Cuts the input into records at LF outside quotes. A quote opens a quoted value only at the start of a
 * value (or right after the quote that closed one: `""`); a quote anywhere else is text. Blank lines are not
 * records. The first record is the header. A source file's leading BOM is not part of it; a part's bytes
 * are read as they are.
 */
function records(input: Buffer, source = true): SourceRecord[] {
  const bom = source && input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf;
  const data = bom ? input.subarray(3) : input;
  const out: SourceRecord[] = [];
  let start = 0;
  let startLine = 1;
  let line = 1;
  let quoted = false;
  let fieldStart = true;
  let afterQuote = false;
  const end = (to: number, lineEnding: boolean) => {
    const stop = !quoted && (lineEnding || to === data.length) && data[to - 1] === 0x0d ? to - 1 : to;
    if (stop > start) out.push({ line: startLine, bytes: data.subarray(start, stop) });
  };
  for (let i = 0; i < data.length; i++) {
    const b = data[i]!;
    if (quoted) {
      if (b === 0x22) {
        quoted = false;
        afterQuote = true;
      } else if (b === 0x0a) {
        line++;
      }
      continue;
    }
    if (b === 0x22 && (fieldStart || afterQuote)) {
      quoted = true;
    } else if (b === 0x0a) {
      end(i, true);
      line++;
      start = i + 1;
      startLine = line;
      fieldStart = true;
      afterQuote = false;
      continue;
    }
    fieldStart = b === 0x2c;
    afterQuote = false;
  }
  if (start < data.length && quoted && source && data.subarray(start).includes(0x0a)) {
    // A quote still open at the end of the file after a line break: the file is malformed from the line
    // where it opened, and each line from there is a record of its own.
    let lineStart = start;
    let n = startLine;
    for (let i = start; i <= data.length; i++) {
      if (i < data.length && data[i] !== 0x0a) continue;
      const stop = data[i - 1] === 0x0d && i > lineStart ? i - 1 : i;
      if (stop > lineStart) out.push({ line: n, bytes: data.subarray(lineStart, stop) });
      n++;
      lineStart = i + 1;
    }
  } else if (start < data.length) {
    end(data.length, false);
  }
  return out;
}

// ---- the property --------------------------------------------------------------------------------------

interface Outcome {
  readonly parts: (CsvPart & { readonly content: Buffer })[];
  readonly rejects: RejectedRow[];
  readonly summary: {
    rowsRead: number;
    rowsInParts: number;
    rejected: number;
    parts: number;
    header: readonly string[];
  };
}

async function split(chunks: Buffer[], maxPartBytes: number, maxPartRows: number): Promise<Outcome> {
  const workDir = mkdtempSync(join(tmpdir(), 'sfetl-csv-property-'));
  const rejects: RejectedRow[] = [];
  const parts: Outcome['parts'] = [];
  const gen = splitCsv(Readable.from(chunks), { workDir, sourceName: 'fuzz.csv', maxPartBytes, maxPartRows }, (r) =>
    rejects.push(r),
  );
  try {
    let next = await gen.next();
    while (!next.done) {
      parts.push({ ...next.value, content: readFileSync(next.value.path) });
      next = await gen.next();
    }
    return { parts, rejects, summary: next.value };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

const scenario = fc.record({
  csv: validCsv,
  mutations: fc.array(mutation, { minLength: 1, maxLength: 4 }),
  chunkSizes: chunking,
  maxPartBytes: fc.oneof(
    { weight: 1, arbitrary: fc.integer({ min: 48, max: 400 }) },
    { weight: 3, arbitrary: fc.integer({ min: 400, max: 8_192 }) },
  ),
  maxPartRows: fc.integer({ min: 1, max: 12 }),
});

test('random damage to valid CSVs: every row is in exactly one part or rejected once; nothing else throws', async () => {
  await fc.assert(
    fc.asyncProperty(scenario, async ({ csv, mutations, chunkSizes, maxPartBytes, maxPartRows }) => {
      const input = damage(csv.bytes, mutations);
      let outcome: Outcome;
      try {
        outcome = await split(chunked(input, chunkSizes), maxPartBytes, maxPartRows);
      } catch (err) {
        if (err instanceof BadHeaderError || err instanceof EmptySourceError) return;
        throw err;
      }
      const { parts, rejects, summary } = outcome;

      // Accounting.
      expect(summary.rowsRead).toBe(summary.rowsInParts + summary.rejected);
      expect(rejects).toHaveLength(summary.rejected);
      expect(parts.reduce((n, p) => n + p.rows, 0)).toBe(summary.rowsInParts);
      expect(summary.parts).toBe(parts.length);

      // Against the reference reading of the same bytes: the same rows, each placed once.
      const [, ...rows] = records(input);
      expect(summary.rowsRead).toBe(rows.length);
      const rejectedLines = rejects.map((r) => r.line);
      expect(new Set(rejectedLines).size).toBe(rejectedLines.length);
      expect(rejectedLines.every((line) => rows.some((r) => r.line === line))).toBe(true);
      const kept = rows.filter((r) => !rejectedLines.includes(r.line)).map((r) => r.bytes.toString('latin1'));
      const text = (r: SourceRecord) => r.bytes.toString('latin1');
      const partRecords = parts.map((p) => records(p.content, false));
      expect(partRecords.flatMap((recs) => recs.slice(1).map(text))).toEqual(kept);

      // Every part is a CSV Salesforce can take: the header, then rows of as many values, within limits.
      for (const part of parts) {
        expect(part.bytes).toBe(part.content.length);
        expect(part.bytes).toBeLessThanOrEqual(maxPartBytes);
        expect(part.rows).toBeGreaterThan(0);
        expect(part.rows).toBeLessThanOrEqual(maxPartRows);
        // Text Salesforce stores: UTF-8 without NUL.
        expect(isUtf8(part.content)).toBe(true);
        expect(part.content.includes(0)).toBe(false);
        // The header line, then the rows, each ended by LF: no CR line ending, no blank line.
        const recs = records(part.content, false);
        expect(recs).toHaveLength(part.rows + 1);
        expect(part.content.toString('latin1')).toBe(recs.map((r) => `${text(r)}\n`).join(''));
        const parsed = parse(part.content, { relax_column_count: false }) as string[][];
        expect(parsed[0]).toEqual(summary.header);
        expect(parsed).toHaveLength(part.rows + 1);
        for (const row of parsed) expect(row).toHaveLength(summary.header.length);
      }
    }),
    { seed: SEED, numRuns: RUNS },
  );
});

test('without damage, the parts hold exactly the generated rows and nothing is rejected', async () => {
  await fc.assert(
    fc.asyncProperty(validCsv, chunking, async (csv, chunkSizes) => {
      const { parts, rejects, summary } = await split(chunked(csv.bytes, chunkSizes), 100_000, 7);
      expect(rejects).toEqual([]);
      expect(summary.header).toEqual(csv.header);
      expect(parts.flatMap((p) => parse(p.content, { from_line: 2 }) as string[][])).toEqual(csv.rows);
    }),
    { seed: SEED, numRuns: Math.ceil(RUNS / 5) },
  );
});
