import { formatCreatedTime, logKeyPrefix, LogLayoutError, logLocation } from '../../src/catalog';

const dir = {
  bucket: 'sfetl-logs',
  prefix: 'logs/',
  status: 'success' as const,
  object: 'Invoice__c',
  runId: 'jr_0123abcd',
  env: 'qa',
  createdTime: '20261103070905',
};

describe('formatCreatedTime', () => {
  test('is UTC yyyyMMddHHmmss, zero-padded', () => {
    expect(formatCreatedTime(new Date('2026-01-02T03:04:05.678Z'))).toBe('20260102030405');
    expect(formatCreatedTime(new Date('2026-12-31T23:59:59.999Z'))).toBe('20261231235959');
  });

  test('ignores the local time zone', () => {
    // The same instant written with an offset: the result is its UTC form.
    expect(formatCreatedTime(new Date('2026-07-01T01:30:00+05:30'))).toBe('20260630200000');
  });

  test('refuses an invalid date', () => {
    expect(() => formatCreatedTime(new Date('not a date'))).toThrow(LogLayoutError);
  });
});

describe('logLocation', () => {
  test('is exactly the layout of DESIGN.md §2.1, ending in "/"', () => {
    expect(logLocation(dir)).toBe(
      's3://sfetl-logs/logs/success/Invoice__c/run_id=jr_0123abcd/env=qa/created_time=20261103070905/',
    );
    expect(logLocation({ ...dir, status: 'failure', object: 'Contact' })).toBe(
      's3://sfetl-logs/logs/failure/Contact/run_id=jr_0123abcd/env=qa/created_time=20261103070905/',
    );
  });

  test('keeps the object name as Salesforce spells it', () => {
    expect(logLocation({ ...dir, object: 'Contact' })).toContain('/success/Contact/');
  });

  test.each([
    ['', 's3://sfetl-logs/success/'],
    ['logs', 's3://sfetl-logs/logs/success/'],
    ['/logs/', 's3://sfetl-logs/logs/success/'],
    ['a/b/', 's3://sfetl-logs/a/b/success/'],
  ])('prefix %j', (prefix, start) => {
    expect(logLocation({ ...dir, prefix }).startsWith(start)).toBe(true);
  });

  test('logKeyPrefix is the same path without the bucket', () => {
    expect(logKeyPrefix(dir)).toBe('logs/success/Invoice__c/run_id=jr_0123abcd/env=qa/created_time=20261103070905/');
  });

  test.each([
    ['runId', { runId: 'a/b' }],
    ['runId', { runId: 'x=y' }],
    ['runId', { runId: '' }],
    ['env', { env: 'qa/../prod' }],
    ['object', { object: 'Contact/' }],
    ['createdTime', { createdTime: '2026-11-03' }],
    ['status', { status: 'done' as 'success' }],
    ['object', { object: '../Contact' }],
    ['object', { object: 'Contact%2F..' }],
    ['object', { object: "x'; DROP TABLE t; --" }],
    ['runId', { runId: '..' }],
    ['runId', { runId: 'run\u0000id' }],
    ['runId', { runId: 'run\nid' }],
    ['env', { env: '"' }],
  ])('refuses a %s that would break the layout', (field, change) => {
    expect(() => logLocation({ ...dir, ...change })).toThrow(LogLayoutError);
    expect(() => logLocation({ ...dir, ...change })).toThrow(field);
  });
});
