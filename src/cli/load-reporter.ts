import { escapeUnprintable, printableJson } from '../config';
import { LoadEvent, LoadRunResult } from '../pipeline';

/** Where a load's output goes: a person at a terminal, or a log collector (Glue, CloudWatch). */
export interface LoadReporter {
  event(event: LoadEvent): void;
  summary(result: LoadRunResult): void;
  close(): void;
}

/** One JSON line per event and CloudWatch embedded-metric lines for counts and durations. */
export class JsonLoadReporter implements LoadReporter {
  private env = '';

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  private line(value: Record<string, unknown>): void {
    this.out.write(`${printableJson(value)}\n`);
  }

  event(event: LoadEvent): void {
    const { type, ...fields } = event;
    this.line({ time: this.clock().toISOString(), level: 'info', event: type, ...fields });
    if (event.type === 'object-finished') {
      this.metric(
        { env: this.env, object: event.object },
        {
          RecordsRead: [event.rowsRead, 'Count'],
          RecordsLoaded: [event.success, 'Count'],
          RecordsFailed: [event.failure, 'Count'],
          RecordsRejected: [event.rejected, 'Count'],
          Jobs: [event.jobs, 'Count'],
          DurationSeconds: [event.seconds, 'Seconds'],
        },
      );
    }
    if (event.type === 'run-started') this.env = event.env;
    if (event.type === 'run-finished') {
      this.metric(
        { env: event.env },
        {
          RunRecordsRead: [event.rowsRead, 'Count'],
          RunFailureRate: [event.rowsRead === 0 ? 0 : (100 * event.failure) / event.rowsRead, 'Percent'],
          RunDurationSeconds: [event.seconds, 'Seconds'],
        },
      );
    }
  }

  /** CloudWatch embedded metric format: the Lambda/Glue log agent turns these lines into metrics. */
  private metric(dimensions: Record<string, string>, metrics: Record<string, [number, string]>): void {
    this.line({
      _aws: {
        Timestamp: this.clock().getTime(),
        CloudWatchMetrics: [
          {
            Namespace: 's3-salesforce-etl',
            Dimensions: [Object.keys(dimensions)],
            Metrics: Object.entries(metrics).map(([Name, [, Unit]]) => ({ Name, Unit })),
          },
        ],
      },
      ...dimensions,
      ...Object.fromEntries(Object.entries(metrics).map(([name, [value]]) => [name, value])),
    });
  }

  summary(result: LoadRunResult): void {
    this.line({ time: this.clock().toISOString(), level: 'info', event: 'summary', ...summaryFields(result) });
  }

  close(): void {}
}

function summaryFields(result: LoadRunResult): Record<string, unknown> {
  return {
    runId: result.runId,
    env: result.env,
    dryRun: result.dryRun,
    rowsRead: result.rowsRead,
    success: result.success,
    failure: result.failure,
    failureRate: result.failureRate,
    seconds: result.seconds,
    objects: result.dryRun
      ? result.dryRunObjects
      : result.objects.map((o) => ({
          object: o.object,
          rowsRead: o.rowsRead,
          success: o.success,
          failure: o.failure,
          rejected: o.rejected,
          alreadyLoaded: o.alreadyLoaded,
          malformed: o.sources.flatMap((s) => (s.malformed ? [s.malformed.message] : [])),
          jobs: o.jobs.length,
          logs: o.logs.filter((l) => l.files > 0).map((l) => l.location),
        })),
    manifests: result.manifests,
  };
}

const fmt = (n: number) => n.toLocaleString('en-US');

/** How often the progress line is redrawn while an object loads, events or not. */
export const PROGRESS_REDRAW_MS = 1_000;

/** Redraws closer together than this, when events come fast, are skipped (the timer catches up). */
const MIN_EVENT_REDRAW_MS = 200;

/** Starts a repeating call; returns what stops it. */
export type RepeatTimer = (ms: number, tick: () => void) => () => void;

/** A timer that does not keep the process alive on its own. */
const unrefInterval: RepeatTimer = (ms, tick) => {
  const timer = setInterval(tick, ms);
  timer.unref();
  return () => clearInterval(timer);
};

export interface TerminalLoadReporterOptions {
  /** Milliseconds since the epoch. @default Date.now */
  readonly now?: () => number;
  /** The redraw timer. @default an unref'd setInterval */
  readonly every?: RepeatTimer;
}

/**
 * A progress line on a terminal and a final summary. The line shows, for the object being loaded: source
 * rows uploaded (a part's rows count once its job's upload went through and the job was closed), rows
 * Salesforce has processed (each job's numberRecordsProcessed as last polled), the jobs by state, the
 * processing rate and, once there is a rate, an ETA against the rows expected (estimated from the bytes cut
 * so far until the whole source is cut). It is redrawn on events and every {@link PROGRESS_REDRAW_MS}, so
 * rate and ETA move while a job runs.
 */
export class TerminalLoadReporter implements LoadReporter {
  private readonly now: () => number;
  private readonly every: RepeatTimer;
  private stopTimer?: () => void;
  private object = '';
  private bytesTotal = 0;
  private bytesCut = 0;
  private rowsCut = 0;
  private objectStarted = 0;
  /** Rows of each part of the current file, and the parts whose rows went up in a job. */
  /** Rows of each part, by source file and part number (part numbers start again in each file). */
  private readonly partRows = new Map<string, number>();
  private readonly uploadedParts = new Set<string>();
  private rowsUploaded = 0;
  private readonly processed = new Map<string, number>();
  private readonly jobStates = new Map<string, string>();
  private lastDraw = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly err: NodeJS.WritableStream,
    options: TerminalLoadReporterOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.every = options.every ?? unrefInterval;
  }

  event(event: LoadEvent): void {
    switch (event.type) {
      case 'run-started':
        this.say(
          `sfetl load: run ${event.runId} into ${event.env}${event.dryRun ? ' (dry run)' : ''}: ${event.objects.join(', ')}`,
        );
        return;
      case 'preflight-passed':
        this.say(`  preflight ${event.object}: ${event.files} file(s), columns ${event.columns.join(', ')}`);
        return;
      case 'object-started':
        this.object = event.object;
        this.bytesTotal = event.bytes;
        this.bytesCut = 0;
        this.rowsCut = 0;
        this.objectStarted = this.now();
        this.partRows.clear();
        this.uploadedParts.clear();
        this.rowsUploaded = 0;
        this.processed.clear();
        this.jobStates.clear();
        this.startTimer();
        return;
      case 'file-started':
        return;
      case 'part-ready':
        this.bytesCut += event.bytes;
        this.rowsCut += event.rows;
        this.partRows.set(partKey(event.source, event.part), event.rows);
        break;
      case 'job-state':
        this.jobStates.set(event.jobId, event.state);
        // A job leaves Open only once its data is uploaded and it is closed. Rows sent again in a later job
        // (retries) are not counted twice: the count is of source rows.
        if (event.state !== 'Open' && !this.uploadedParts.has(partKey(event.source, event.part))) {
          this.uploadedParts.add(partKey(event.source, event.part));
          this.rowsUploaded += this.partRows.get(partKey(event.source, event.part)) ?? 0;
        }
        if (event.processed !== undefined) this.processed.set(event.jobId, event.processed);
        break;
      case 'job-finished':
        this.jobStates.set(event.jobId, event.state);
        if (!this.processed.has(event.jobId)) this.processed.set(event.jobId, event.success + event.failure);
        break;
      case 'warning':
        this.clearLine();
        this.say(`  warning: ${event.object}: ${event.message}`);
        return;
      case 'object-finished':
        this.stop();
        this.clearLine();
        this.say(
          `  ${event.object}: ${fmt(event.rowsRead)} rows, ${fmt(event.success)} loaded, ${fmt(event.failure)} failed (${fmt(event.rejected)} rejected before upload), ${event.jobs} job(s), ${event.seconds.toFixed(1)} s`,
        );
        return;
      default:
        return;
    }
    if (this.now() - this.lastDraw >= MIN_EVENT_REDRAW_MS) this.draw();
  }

  private startTimer(): void {
    this.stop();
    this.stopTimer = this.every(PROGRESS_REDRAW_MS, () => this.draw());
  }

  private stop(): void {
    this.stopTimer?.();
    this.stopTimer = undefined;
  }

  private progressLine(): string {
    const seconds = (this.now() - this.objectStarted) / 1000;
    const processed = [...this.processed.values()].reduce((a, b) => a + b, 0);
    const rate = seconds > 0 ? processed / seconds : 0;
    // Until the whole source is cut into parts, its row count is estimated from the bytes cut so far.
    const expected =
      this.bytesCut > 0 && this.bytesTotal > this.bytesCut
        ? Math.round((this.rowsCut * this.bytesTotal) / this.bytesCut)
        : this.rowsCut;
    const states = new Map<string, number>();
    for (const s of this.jobStates.values()) states.set(s, (states.get(s) ?? 0) + 1);
    const jobs = states.size === 0 ? 'none yet' : [...states].map(([s, n]) => `${n} ${s}`).join(', ');
    const of = expected > 0 ? ` of ~${fmt(expected)}` : '';
    const speed =
      rate > 0
        ? `${fmt(Math.round(rate))} rows/s, ETA ${Math.ceil(Math.max(0, expected - processed) / rate)} s`
        : 'rate not known yet';
    return `  ${this.object}: ${fmt(this.rowsUploaded)}${of} rows uploaded, ${fmt(processed)} processed | jobs: ${jobs} | ${speed}`;
  }

  private draw(): void {
    this.lastDraw = this.now();
    this.clearLine();
    this.err.write(escapeUnprintable(this.progressLine()));
  }

  /**
   * One line on the terminal. Names and messages in it come from files, the org and S3 (a column, a key, a
   * rejected row's message): their control characters are shown as `\uXXXX`, never sent to the terminal.
   */
  private say(line: string): void {
    this.err.write(`${escapeUnprintable(line)}\n`);
  }

  /** The reporter's own control sequence: back to the start of the line, and erase it. */
  private clearLine(): void {
    this.err.write('\r\u001b[2K');
  }

  summary(result: LoadRunResult): void {
    this.stop();
    this.clearLine();
    const lines: string[] = [];
    lines.push('');
    lines.push(`Run ${result.runId} · env ${result.env}${result.dryRun ? ' · DRY RUN (no job was created)' : ''}`);
    if (result.dryRun) {
      lines.push('object            files        rows   would-be jobs   rejected client-side');
      for (const o of result.dryRunObjects) {
        lines.push(
          `${o.object.padEnd(16)} ${String(o.files).padStart(6)} ${fmt(o.rows).padStart(11)} ${String(o.jobs).padStart(15)} ${fmt(o.rejected).padStart(22)}`,
        );
        for (const r of o.rejectedExamples.slice(0, 5)) {
          lines.push(`    line ${r.line} of ${r.source}: ${r.code}: ${r.message}`);
        }
        for (const m of o.malformed) lines.push(`    ! ${m}`);
      }
    } else {
      lines.push('object                  rows      loaded      failed   jobs   seconds');
      for (const o of result.objects) {
        lines.push(
          `${o.object.padEnd(16)} ${fmt(o.rowsRead).padStart(11)} ${fmt(o.success).padStart(11)} ${fmt(o.failure).padStart(11)} ${String(o.jobs.length).padStart(6)} ${o.seconds.toFixed(1).padStart(9)}`,
        );
        if (o.alreadyLoaded > 0) {
          lines.push(
            `    ${fmt(o.alreadyLoaded)} of the loaded rows were already loaded by earlier runs: skipped, logged with their record ids`,
          );
        }
        for (const source of o.sources) if (source.malformed) lines.push(`    ! ${source.malformed.message}`);
        for (const log of o.logs.filter((l) => l.files > 0)) lines.push(`    ${log.status} log: ${log.location}`);
      }
      lines.push(
        `total ${fmt(result.rowsRead)} rows · ${fmt(result.success)} loaded · ${fmt(result.failure)} failed (${(100 * result.failureRate).toFixed(2)}%) · ${result.seconds.toFixed(1)} s`,
      );
      for (const m of result.manifests) lines.push(`manifest: ${m}`);
    }
    this.out.write(lines.map((line) => `${escapeUnprintable(line)}\n`).join(''));
  }

  close(): void {
    this.stop();
    this.clearLine();
  }
}

/** A part of one source file: files overlap, so part numbers alone do not name a part. */
function partKey(source: string, part: number): string {
  return `${part} ${source}`;
}
