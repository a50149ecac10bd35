/**
 * The candidate a mistyped word most likely meant, for "did you mean …?" hints; undefined when none is close.
 *
 * Compared case-insensitively: a candidate that differs only in case wins, then one the word is a prefix
 * of (or that is a prefix of the word, e.g. "production" → "prod"), then the nearest by edit distance
 * (insertions, deletions, substitutions and swaps of two neighbours) within about a third of its length.
 */
export function closestMatch(word: string, candidates: readonly string[]): string | undefined {
  const input = word.toLowerCase();
  if (input.length === 0) return undefined;
  const sameCase = candidates.find((c) => c.toLowerCase() === input);
  if (sameCase !== undefined) return sameCase;
  const prefix = candidates.find((c) => {
    const candidate = c.toLowerCase();
    return (
      Math.min(candidate.length, input.length) >= 3 && (candidate.startsWith(input) || input.startsWith(candidate))
    );
  });
  if (prefix !== undefined) return prefix;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(input, candidate.toLowerCase());
    const allowed = Math.max(1, Math.floor(Math.max(input.length, candidate.length) / 3));
    if (distance <= allowed && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Optimal string alignment distance: Levenshtein plus the swap of two adjacent characters ("upsret"). */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (__, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}
