import { JsonLoadReporter, PROGRESS_REDRAW_MS, TerminalLoadReporter } from '../../src/cli/load-reporter';
import { LoadEvent, LoadRunResult } from '../../src/pipeline';

const CLEAR_LINE = '\r\u001b[2K';

/** A terminal reporter on a fake clock and a fake timer, writing into strings. */
function terminal() {
  const screen = { out: '', err: '' };
  const stream = (key: 'out' | 'err') =>
    ({
      write: (chunk: string) => {
        screen[key] += chunk;
        return true;
      },
    }) as unknown as NodeJS.WritableStream;
  const clock = { ms: 1_000_000 };
  const timer = { interval: 0, running: false, tick: () => undefined as void };
  const reporter = new TerminalLoadReporter(stream('out'), stream('err'), {
    now: () => clock.ms,
    every: (ms, tick) => {
      Object.assign(timer, { interval: ms, running: true, tick });
      return () => (timer.running = false);
    },
  });
  const started = clock.ms;
  return {
    reporter,
    timer,
    /** Moves the clock to `seconds` after the reporter was made. */
    at: (seconds: number) => (clock.ms = started + seconds * 1000),
    send: (...events: LoadEvent[]) => events.forEach((e) => reporter.event(e)),
    /** What the terminal shows on its last line now (each redraw clears the line first). */
    progress: () => screen.err.split(CLEAR_LINE).pop()!,
    screen,
  };
}

const object = 'Contact';
const SOURCE = 's3://src/contacts.csv';
const jobState = (
  part: number,
  jobId: string,
  state: string,
  processed?: number,
  source: string = SOURCE,
): LoadEvent => ({
  type: 'job-state',
  object,
  source,
  part,
  jobId,
  state,
  ...(processed === undefined ? {} : { processed }),
});

function startObject(t: ReturnType<typeof terminal>, bytes: number) {
  t.send(
    { type: 'run-started', runId: 'r-1', env: 'dev', objects: [object], dryRun: false },
    { type: 'object-started', object, operation: 'insert', files: 1, bytes },
    { type: 'file-started', object, source: 's3://src/contacts.csv', bytes },
  );
}

const part = (index: number, rows: number, bytes: number, source: string = SOURCE): LoadEvent => ({
  type: 'part-ready',
  object,
  source,
  part: index,
  rows,
  bytes,
});

describe('TerminalLoadReporter progress line', () => {
  test('holds rows uploaded, rows processed, jobs by state, the rate and an ETA', () => {
    const t = terminal();
    startObject(t, 4_000_000);
    // Two parts cut from the first half of the file: about 4,000 rows in all.
    t.send(part(1, 1_000, 1_000_000), part(2, 1_000, 1_000_000));
    t.send(jobState(1, 'J1', 'Open'), jobState(2, 'J2', 'Open'));
    t.at(1);
    t.timer.tick();
    expect(t.progress()).toBe('  Contact: 0 of ~4,000 rows uploaded, 0 processed | jobs: 2 Open | rate not known yet');

    // J1's upload went through (closed: UploadComplete); J2 is still uploading.
    t.send(jobState(1, 'J1', 'UploadComplete'));
    t.at(10);
    t.send(jobState(1, 'J1', 'InProgress', 400));
    t.timer.tick();
    expect(t.progress()).toBe(
      '  Contact: 1,000 of ~4,000 rows uploaded, 400 processed | jobs: 1 InProgress, 1 Open | 40 rows/s, ETA 90 s',
    );
  });

  test('a load that fits in one job shows a rate and an ETA while the job is InProgress', () => {
    const t = terminal();
    startObject(t, 50_000);
    t.send(part(1, 500, 50_000), jobState(1, 'J1', 'Open'), jobState(1, 'J1', 'UploadComplete'));
    t.at(2);
    t.send(jobState(1, 'J1', 'InProgress', 100));
    expect(t.progress()).toBe(
      '  Contact: 500 of ~500 rows uploaded, 100 processed | jobs: 1 InProgress | 50 rows/s, ETA 8 s',
    );
    // Each poll brings the job's count; the state need not change for the line to move.
    t.at(4);
    t.send(jobState(1, 'J1', 'InProgress', 400));
    expect(t.progress()).toBe(
      '  Contact: 500 of ~500 rows uploaded, 400 processed | jobs: 1 InProgress | 100 rows/s, ETA 1 s',
    );
  });

  test('the timer redraws between events while an object loads, and stops when it is done', () => {
    const t = terminal();
    startObject(t, 50_000);
    expect(t.timer).toMatchObject({ interval: PROGRESS_REDRAW_MS, running: true });
    t.send(part(1, 500, 50_000), jobState(1, 'J1', 'UploadComplete'));
    t.at(2);
    t.send(jobState(1, 'J1', 'InProgress', 100));
    // No event for two seconds: the rate falls and the ETA grows on the timer's redraw alone.
    t.at(4);
    t.timer.tick();
    expect(t.progress()).toMatch(/100 processed \| jobs: 1 InProgress \| 25 rows\/s, ETA 16 s$/);
    t.send({
      type: 'object-finished',
      object,
      rowsRead: 500,
      success: 500,
      failure: 0,
      rejected: 0,
      jobs: 1,
      seconds: 5,
    });
    expect(t.timer.running).toBe(false);
    expect(t.screen.err).toMatch(
      /Contact: 500 rows, 500 loaded, 0 failed \(0 rejected before upload\), 1 job\(s\), 5\.0 s\n$/,
    );
  });

  test('overlapping files: parts with the same number in two files are two parts', () => {
    const t = terminal();
    startObject(t, 200_000);
    const second = 's3://src/contacts-2.csv';
    // The first file's job is still uploading when the second file's part 1 is cut and its job closed.
    t.send(part(1, 1_000, 100_000), jobState(1, 'J1', 'Open'));
    t.send(
      { type: 'file-started', object, source: second, bytes: 100_000 },
      part(1, 400, 100_000, second),
      jobState(1, 'J2', 'UploadComplete', undefined, second),
      jobState(1, 'J1', 'UploadComplete'),
      jobState(1, 'J1', 'InProgress', 600),
    );
    t.at(1);
    t.timer.tick();
    expect(t.progress()).toBe(
      '  Contact: 1,400 of ~1,400 rows uploaded, 600 processed | jobs: 1 InProgress, 1 UploadComplete | 600 rows/s, ETA 2 s',
    );
  });

  test('rows count as uploaded once their job is closed, and only once when some are sent again', () => {
    const t = terminal();
    startObject(t, 100_000);
    t.send(part(1, 1_000, 100_000), jobState(1, 'J1', 'Open'));
    t.at(1);
    t.timer.tick();
    expect(t.progress()).toMatch(/: 0 of ~1,000 rows uploaded/);
    t.send(jobState(1, 'J1', 'UploadComplete'), jobState(1, 'J1', 'InProgress', 10), jobState(1, 'J1', 'Failed', 300));
    t.send(
      {
        type: 'job-finished',
        object,
        source: SOURCE,
        part: 1,
        jobId: 'J1',
        state: 'Failed',
        success: 300,
        failure: 0,
        seconds: 1,
      },
      { type: 'rows-retried', object, source: SOURCE, part: 1, attempt: 2, rows: 700, codes: [] },
      jobState(1, 'J2', 'Open'),
      jobState(1, 'J2', 'UploadComplete'),
    );
    t.at(2);
    t.timer.tick();
    expect(t.progress()).toBe(
      '  Contact: 1,000 of ~1,000 rows uploaded, 300 processed | jobs: 1 Failed, 1 UploadComplete | 150 rows/s, ETA 5 s',
    );
  });

  test('close stops the timer and clears the line', () => {
    const t = terminal();
    startObject(t, 10);
    t.reporter.close();
    expect(t.timer.running).toBe(false);
    expect(t.progress()).toBe('');
  });
});

describe('names and messages from files, the org and S3 never reach the terminal raw', () => {
  /** Every control or invisible character but the line feeds that end lines. */
  // eslint-disable-next-line no-control-regex
  const UNPRINTABLE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]/;
  const HOSTILE = 'Con\u001b[31mtact\u009b2J\u202e\u2028x\ny';

  test('the terminal reporter shows them escaped; its own line clearing is the only escape it sends', () => {
    const t = terminal();
    startObject(t, 10);
    t.send(
      { type: 'preflight-passed', object, files: 1, columns: ['LastName', `\u001b[31mEmail`] },
      { type: 'warning', object, message: `column ${HOSTILE} is dropped` },
      { type: 'part-ready', object, source: `s3://src/${HOSTILE}.csv`, part: 1, rows: 1, bytes: 10 },
    );
    const dryRun: LoadRunResult = {
      runId: 'r-1',
      env: 'dev',
      dryRun: true,
      rowsRead: 1,
      success: 0,
      failure: 1,
      failureRate: 1,
      seconds: 1,
      objects: [],
      manifests: [],
      dryRunObjects: [
        {
          object,
          files: 1,
          rows: 1,
          jobs: 0,
          rejected: 1,
          malformed: [],
          rejectedExamples: [
            { line: 2, source: `s3://src/${HOSTILE}.csv`, code: 'SFETL_COLUMN_COUNT', message: `bad ${HOSTILE}` },
          ],
        },
      ],
    };
    t.reporter.summary(dryRun);
    const err = t.screen.err.split(CLEAR_LINE).join('');
    expect(err).not.toMatch(UNPRINTABLE);
    expect(t.screen.out).not.toMatch(UNPRINTABLE);
    expect(err).toContain('columns LastName, \\u001b[31mEmail');
    expect(err).toContain('warning: Contact: column Con\\u001b[31mtact\\u009b2J\\u202e\\u2028x\\u000ay is dropped\n');
    expect(t.screen.out).toContain(
      'line 2 of s3://src/Con\\u001b[31mtact\\u009b2J\\u202e\\u2028x\\u000ay.csv: SFETL_COLUMN_COUNT: bad Con\\u001b[31m',
    );
  });

  test('JSON lines stay JSON and carry the same values, with no raw escape, C1 control or line separator', () => {
    let text = '';
    const reporter = new JsonLoadReporter(
      { write: (chunk: string) => ((text += chunk), true) } as unknown as NodeJS.WritableStream,
      () => new Date(0),
    );
    reporter.event({ type: 'warning', object, message: HOSTILE });
    expect(text).not.toMatch(UNPRINTABLE);
    expect(text.endsWith('\n')).toBe(true);
    expect(text.trimEnd().split('\n')).toHaveLength(1);
    expect(JSON.parse(text)).toMatchObject({ event: 'warning', message: HOSTILE });
  });
});
