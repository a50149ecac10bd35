import { YAMLParseError } from 'yaml';
import { syntaxMessages as m } from './syntax-messages';

type JsonProblem = keyof typeof m.json;

/** The first mistake in a JSON text: its offset and what is wrong there. */
interface Mistake {
  readonly at: number;
  readonly problem: JsonProblem;
}

/** The offset after what was read, or the first mistake. */
type Step = number | Mistake;

/** Deeper nesting is refused rather than scanned: the scanner recurses once per level. */
const MAX_DEPTH = 1000;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPED = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);

/**
 * Where and why a text that JSON.parse refused is not JSON: "at line 4, column 25, ',' or '}' is expected
 * after the value". Found by scanning the text against JSON's grammar, because V8's own message quotes the
 * text around the mistake (`Unexpected token 'h', "{"password": hunter2}" is not valid JSON`), and the
 * configuration or a secret may hold anything.
 */
export function jsonSyntaxError(text: string): string {
  let step = value(text, 0, 0);
  if (typeof step === 'number') {
    const end = skipSpace(text, step);
    step = end < text.length ? { at: end, problem: 'trailing' } : { at: end, problem: 'end' };
  }
  const { line, column } = lineAndColumn(text, step.at);
  return m.at(line, column, m.json[step.problem]);
}

/**
 * Where and why a YAML text does not parse, from the parser's error code and position alone: its messages
 * may quote the text (`Unresolved tag: !…`, `Unexpected … in flow map`).
 */
export function yamlSyntaxError(err: unknown): string {
  if (err instanceof YAMLParseError) {
    const shown = Object.hasOwn(m.yaml, err.code) ? m.yaml[err.code as keyof typeof m.yaml] : m.yaml.other;
    const place = err.linePos?.[0];
    return place === undefined ? shown : m.at(place.line, place.col, shown);
  }
  // An alias to no anchor is a ReferenceError with the alias's name in it, and no position.
  if (err instanceof ReferenceError) return m.yaml.unresolvedAlias;
  return m.yaml.noPosition;
}

function value(t: string, from: number, depth: number): Step {
  const i = skipSpace(t, from);
  if (i >= t.length) return { at: i, problem: 'end' };
  const c = t[i]!;
  if (c === '{' || c === '[') {
    if (depth >= MAX_DEPTH) return { at: i, problem: 'tooDeep' };
    return c === '{' ? object(t, i + 1, depth + 1) : array(t, i + 1, depth + 1);
  }
  if (c === '"') return string(t, i);
  if (c === '-' || (c >= '0' && c <= '9')) return number(t, i);
  for (const word of ['true', 'false', 'null']) if (t.startsWith(word, i)) return i + word.length;
  return { at: i, problem: 'value' };
}

function object(t: string, from: number, depth: number): Step {
  let i = skipSpace(t, from);
  if (t[i] === '}') return i + 1;
  for (;;) {
    i = skipSpace(t, i);
    if (i >= t.length) return { at: i, problem: 'end' };
    if (t[i] !== '"') return { at: i, problem: 'key' };
    const key = string(t, i);
    if (typeof key !== 'number') return key;
    i = skipSpace(t, key);
    if (i >= t.length) return { at: i, problem: 'end' };
    if (t[i] !== ':') return { at: i, problem: 'colon' };
    const next = value(t, i + 1, depth);
    if (typeof next !== 'number') return next;
    i = skipSpace(t, next);
    if (i >= t.length) return { at: i, problem: 'end' };
    if (t[i] === '}') return i + 1;
    if (t[i] !== ',') return { at: i, problem: 'objectSeparator' };
    const after = skipSpace(t, i + 1);
    if (t[after] === '}') return { at: i, problem: 'trailingComma' };
    i = after;
  }
}

function array(t: string, from: number, depth: number): Step {
  let i = skipSpace(t, from);
  if (t[i] === ']') return i + 1;
  for (;;) {
    const next = value(t, i, depth);
    if (typeof next !== 'number') return next;
    i = skipSpace(t, next);
    if (i >= t.length) return { at: i, problem: 'end' };
    if (t[i] === ']') return i + 1;
    if (t[i] !== ',') return { at: i, problem: 'arraySeparator' };
    const after = skipSpace(t, i + 1);
    if (t[after] === ']') return { at: i, problem: 'trailingComma' };
    i = after;
  }
}

/** A string starting at its opening quote. */
function string(t: string, open: number): Step {
  for (let i = open + 1; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c === 0x22) return i + 1;
    if (c < 0x20) return { at: i, problem: 'controlInString' };
    if (c !== 0x5c) continue;
    const escaped = t[i + 1];
    if (escaped === 'u' ? !/^[0-9a-fA-F]{4}$/.test(t.slice(i + 2, i + 6)) : !ESCAPED.has(escaped ?? '')) {
      return { at: i, problem: 'badEscape' };
    }
    i += escaped === 'u' ? 5 : 1;
  }
  return { at: open, problem: 'unterminatedString' };
}

function number(t: string, from: number): Step {
  NUMBER.lastIndex = from;
  const match = NUMBER.exec(t);
  const end = match === null ? from : from + match[0].length;
  // What follows a number must end it: `01`, `1.`, `1e` and `-` are not JSON numbers.
  if (match === null || /[0-9.eE+-]/.test(t[end] ?? '')) return { at: from, problem: 'number' };
  return end;
}

function skipSpace(t: string, from: number): number {
  let i = from;
  while (i < t.length && (t[i] === ' ' || t[i] === '\t' || t[i] === '\n' || t[i] === '\r')) i++;
  return i;
}

/** 1-based line and column (in characters) of an offset. */
function lineAndColumn(t: string, at: number): { line: number; column: number } {
  const before = t.slice(0, at);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: [...before.slice(lineStart)].length + 1 };
}
