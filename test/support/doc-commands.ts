import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** One shell command shown in a ```bash / ```sh block of the README or docs/. */
export interface DocCommand {
  /** The file, relative to the repository root. */
  readonly file: string;
  /** 1-based line of the command's first line. */
  readonly line: number;
  /** The command with continuation lines joined and the trailing `# comment` and `&` removed. */
  readonly command: string;
  /** Written with a trailing `&`: a server the reader leaves running while following the page. */
  readonly background: boolean;
}

const ROOT = join(__dirname, '..', '..');

/** README.md and every docs/*.md, in a fixed order. */
export function docFiles(): string[] {
  const docs = readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => join(ROOT, 'docs', f));
  return [join(ROOT, 'README.md'), ...docs];
}

/** Removes a trailing `# comment` that is outside quotes. */
function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) {
      return line.slice(0, i).trimEnd();
    }
  }
  return line.trimEnd();
}

/**
 * Every command of every ```bash/```sh block, in page order. Lines starting with `#` are comments or
 * shown output; a line ending in `\` continues on the next one. Blocks meant as syntax, not as something
 * to run, use ```text.
 */
export function docCommands(file: string): DocCommand[] {
  const text = readFileSync(file, 'utf8');
  const out: DocCommand[] = [];
  const lines = text.split('\n');
  let inBlock = false;
  let pending: { line: number; parts: string[] } | undefined;
  lines.forEach((raw, index) => {
    const fence = /^```(\w*)\s*$/.exec(raw);
    if (fence) {
      inBlock = !inBlock && (fence[1] === 'bash' || fence[1] === 'sh');
      if (!inBlock && fence[1] === '' && pending) throw new Error(`${file}:${index + 1}: block ends inside a command`);
      return;
    }
    if (!inBlock) return;
    if (!pending && (raw.trim() === '' || raw.trimStart().startsWith('#'))) return;
    const continued = /\\\s*$/.test(raw);
    const part = continued ? raw.replace(/\\\s*$/, '').trim() : stripComment(raw).trim();
    pending ??= { line: index + 1, parts: [] };
    pending.parts.push(part);
    if (continued) return;
    let command = pending.parts.join(' ');
    const background = /\s&$/.test(command);
    if (background) command = command.replace(/\s*&$/, '');
    out.push({ file: relative(ROOT, file), line: pending.line, command, background });
    pending = undefined;
  });
  return out;
}
