import { closestMatch, OPERATIONS } from '../../src/config';

describe('closestMatch', () => {
  test.each([
    ['a typo', 'upsrt', OPERATIONS, 'upsert'],
    ['two swapped letters', 'upsret', OPERATIONS, 'upsert'],
    ['a different case', 'harddelete', OPERATIONS, 'hardDelete'],
    ['a longer word that starts with a candidate', 'production', ['dev', 'qa', 'uat', 'prod'], 'prod'],
    ['a shorter word a candidate starts with', 'Conta', ['Account', 'Contact'], 'Contact'],
    ['the nearest of several', 'Contcat', ['Account', 'Contact', 'Case'], 'Contact'],
  ])('%s: %s → %s', (_, word, candidates, expected) => {
    expect(closestMatch(word, candidates)).toBe(expected);
  });

  test.each([
    ['nothing near', 'merge', OPERATIONS],
    ['a short word far from short candidates', 'qq', ['dev', 'qa', 'uat', 'prod'].filter((e) => e !== 'qa')],
    ['an empty word', '', OPERATIONS],
    ['no candidates', 'upsert', []],
  ])('%s: no suggestion', (_, word, candidates) => {
    expect(closestMatch(word, candidates)).toBeUndefined();
  });
});
