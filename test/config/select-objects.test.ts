import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ObjectSelectionError, parseConfig, selectObjects } from '../../src/config';

/** valid.yaml: Account (load order 1), Contact and Invoice__c (2, in file order), Lead (default 100). */
const CONFIG = parseConfig(
  parseYaml(readFileSync(join(__dirname, '..', 'fixtures', 'config', 'valid.yaml'), 'utf8')),
  'valid.yaml',
  { env: {} },
);
const names = (objects: readonly { name: string }[]) => objects.map((o) => o.name);

function selectionError(wanted: string[]): ObjectSelectionError {
  try {
    selectObjects(CONFIG, wanted);
  } catch (err) {
    if (err instanceof ObjectSelectionError) return err;
    throw err;
  }
  throw new Error(`expected ${wanted.join(', ')} to be refused`);
}

describe('selectObjects', () => {
  test('no --object: every object, in load order', () => {
    expect(names(selectObjects(CONFIG, []))).toEqual(['Account', 'Contact', 'Invoice__c', 'Lead']);
  });

  test('named objects come in load order, whatever the order of the flags', () => {
    expect(names(selectObjects(CONFIG, ['Lead', 'Contact', 'Account']))).toEqual(['Account', 'Contact', 'Lead']);
  });

  test('names match case-insensitively and come back as configured', () => {
    expect(selectObjects(CONFIG, ['invoice__C', 'ACCOUNT'])).toEqual([CONFIG.objects[0], CONFIG.objects[2]]);
  });

  test('an object named twice is loaded once', () => {
    expect(names(selectObjects(CONFIG, ['Contact', 'contact']))).toEqual(['Contact']);
  });

  test('an unknown name gets "did you mean" and the configured objects', () => {
    const err = selectionError(['Contcat']);
    expect(err.message).toBe(
      '--object Contcat is not configured (did you mean Contact?); configured objects: Account, Contact, Invoice__c, Lead',
    );
    expect(err.unknown).toEqual([{ name: 'Contcat', suggestion: 'Contact' }]);
    expect(err.available).toEqual(['Account', 'Contact', 'Invoice__c', 'Lead']);
  });

  test('every unknown name is reported, not only the first', () => {
    const err = selectionError(['Account', 'Opportunity', 'Leed']);
    expect(err.message).toBe(
      '--object Opportunity is not configured; --object Leed is not configured (did you mean Lead?); configured objects: Account, Contact, Invoice__c, Lead',
    );
    expect(err.unknown).toEqual([
      { name: 'Opportunity', suggestion: undefined },
      { name: 'Leed', suggestion: 'Lead' },
    ]);
  });
});
