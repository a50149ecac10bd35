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
    this.out.write(`${JSON.stringify(value)}\n`);
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
          jobs: o.jobs.length,
          logs: o.logs.filter((l) => l.files > 0).map((l) => l.location),
        })),
    manifests: result.manifests,
  };
}

const fmt = (n: number) => n.toLocaleString('en-US');

/** A progress line on a terminal (rows uploaded, jobs and their states, rate, ETA) and a final summary. */
export class TerminalLoadReporter implements LoadReporter {
  private object = '';
  private bytesTotal = 0;
  private bytesQueued = 0;
  private rowsQueued = 0;
  private rowsDone = 0;
  private objectStarted = Date.now();
  private readonly jobStates = new Map<string, string>();
  private lastDraw = 0;

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly err: NodeJS.WritableStream,
  ) {}

  event(event: LoadEvent): void {
    switch (event.type) {
      case 'run-started':
        this.err.write(
          `sfetl load: run ${event.runId} into ${event.env}${event.dryRun ? ' (dry run)' : ''}: ${event.objects.join(', ')}\n`,
        );
        return;
      case 'preflight-passed':
        this.err.write(`  preflight ${event.object}: ${event.files} file(s), columns ${event.columns.join(', ')}\n`);
        return;
      case 'object-started':
        this.object = event.object;
        this.bytesTotal = event.bytes;
        this.bytesQueued = 0;
        this.rowsQueued = 0;
        this.rowsDone = 0;
        this.objectStarted = Date.now();
        this.jobStates.clear();
        return;
      case 'part-ready':
        this.bytesQueued += event.bytes;
        this.rowsQueued += event.rows;
        break;
      case 'job-state':
        this.jobStates.set(event.jobId, event.state);
        break;
      case 'job-finished':
        this.jobStates.set(event.jobId, event.state);
        this.rowsDone += event.success + event.failure;
        break;
      case 'warning':
        this.clearLine();
        this.err.write(`  warning: ${event.object}: ${event.message}\n`);
        return;
      case 'object-finished':
        this.clearLine();
        this.err.write(
          `  ${event.object}: ${fmt(event.rowsRead)} rows, ${fmt(event.success)} loaded, ${fmt(event.failure)} failed (${fmt(event.rejected)} rejected before upload), ${event.jobs} job(s), ${event.seconds.toFixed(1)} s\n`,
        );
        return;
      default:
        return;
    }
    this.draw();
  }

  private draw(): void {
    const now = Date.now();
    if (now - this.lastDraw < 200) return;
    this.lastDraw = now;
    const seconds = (now - this.objectStarted) / 1000;
    const rate = seconds > 0 ? this.rowsDone / seconds : 0;
    const states = new Map<string, number>();
    for (const s of this.jobStates.values()) states.set(s, (states.get(s) ?? 0) + 1);
    const fraction = this.bytesTotal > 0 ? this.bytesQueued / this.bytesTotal : 0;
    const expectedRows = fraction > 0 ? this.rowsQueued / fraction : 0;
    const eta =
      rate > 0 && expectedRows > this.rowsDone ? `ETA ${Math.ceil((expectedRows - this.rowsDone) / rate)} s` : '';
    const jobs = [...states].map(([s, n]) => `${n} ${s}`).join(', ');
    this.clearLine();
    this.err.write(
      `  ${this.object}: ${fmt(this.rowsQueued)} rows uploaded, ${fmt(this.rowsDone)} done | jobs: ${jobs} | ${fmt(Math.round(rate))} rows/s ${eta}`,
    );
  }

  private clearLine(): void {
    this.err.write('\r\u001b[2K');
  }

  summary(result: LoadRunResult): void {
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
      }
    } else {
      lines.push('object                  rows      loaded      failed   jobs   seconds');
      for (const o of result.objects) {
        lines.push(
          `${o.object.padEnd(16)} ${fmt(o.rowsRead).padStart(11)} ${fmt(o.success).padStart(11)} ${fmt(o.failure).padStart(11)} ${String(o.jobs.length).padStart(6)} ${o.seconds.toFixed(1).padStart(9)}`,
        );
        for (const log of o.logs.filter((l) => l.files > 0)) lines.push(`    ${log.status} log: ${log.location}`);
      }
      lines.push(
        `total ${fmt(result.rowsRead)} rows · ${fmt(result.success)} loaded · ${fmt(result.failure)} failed (${(100 * result.failureRate).toFixed(2)}%) · ${result.seconds.toFixed(1)} s`,
      );
      for (const m of result.manifests) lines.push(`manifest: ${m}`);
    }
    this.out.write(`${lines.join('\n')}\n`);
  }

  close(): void {
    this.clearLine();
  }
}
