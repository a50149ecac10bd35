import { apiJson } from '../src/api-json';

// Bulk API 2.0 Developer Guide, "Create a Job" and "Step 6: Query Jobs": `"apiVersion" : 66.0` (docs/emulator.md [S13], [S33]).
describe('apiJson', () => {
  test("writes a job's apiVersion with its decimal, wherever it is, and nothing else differently", () => {
    const body = { id: '750', apiVersion: 66, records: [{ apiVersion: 59 }], n: 66, text: 'apiVersion: 66' };
    expect(apiJson(body)).toBe(
      '{"id":"750","apiVersion":66.0,"records":[{"apiVersion":59.0}],"n":66,"text":"apiVersion: 66"}',
    );
    expect(JSON.parse(apiJson(body))).toEqual(body);
  });

  test('a value that looks like the mark stays a string', () => {
    const text = '\u0000apiVersion:66.0';
    expect(JSON.parse(apiJson({ apiVersion: text }))).toEqual({ apiVersion: text });
  });
});
