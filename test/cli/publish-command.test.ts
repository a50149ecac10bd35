import { formatReport, PublishReport } from '../../src/cli/publish-command';

// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]/;

describe('formatReport', () => {
  test('column names read from the logs are shown escaped, one table line each', () => {
    const report: PublishReport = {
      logs: 's3://logs/',
      database: 'sfetl',
      mode: 'full',
      missing: [],
      seconds: 1,
      tables: [
        {
          object: 'Contact',
          table: 'contact',
          created: true,
          columnsAdded: ['lastname', 'x\u001b[31my\nz'],
          partitionsWritten: 1,
          partitionsDropped: 0,
          rowsWritten: 2,
          counts: [{ env: 'dev', status: 'success', rows: 2 }],
          seconds: 1,
          steps: {},
        },
      ],
    };
    const text = formatReport(report);
    expect(text).not.toMatch(UNPRINTABLE);
    expect(text.split('\n')[1]).toBe(
      '  contact: created, 1 partition(s) written, 0 dropped, new columns lastname, x\\u001b[31my\\u000az',
    );
  });
});
