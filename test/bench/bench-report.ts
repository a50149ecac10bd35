import { execSync } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

const REPORT = join(__dirname, '../../docs/benchmarks.md');

/** One line describing the machine a benchmark ran on. */
export function machine(): string {
  const cpu = cpus();
  const commit = (() => {
    try {
      return execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  })();
  return `${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}, ${process.platform}/${process.arch}, commit ${commit}`;
}

/**
 * Replaces the section of docs/benchmarks.md between `<!-- bench:<id> -->` and `<!-- /bench:<id> -->`
 * (appending it when absent), so each benchmark owns its section and reruns keep the file tidy.
 */
export function writeSection(id: string, title: string, body: string): void {
  const start = `<!-- bench:${id} -->`;
  const end = `<!-- /bench:${id} -->`;
  const section = `${start}\n## ${title}\n\n${body.trim()}\n${end}`;
  let text = existsSync(REPORT)
    ? readFileSync(REPORT, 'utf8')
    : '# Benchmarks\n\nWritten by `npm run bench`; each section is replaced when its benchmark runs again.\n';
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  text =
    from >= 0 && to > from
      ? text.slice(0, from) + section + text.slice(to + end.length)
      : `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(REPORT, text);
}
