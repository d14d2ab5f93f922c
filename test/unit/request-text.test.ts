import { z } from 'zod';
import { findUnstorableText, isStorableText, replaceUnstorableText } from '../../src/http/schemas/storable-text';
import { responseMismatch, undeclaredField } from '../../src/http/response-check';

describe('text PostgreSQL can store', () => {
  it.each([
    ['plain text', 'hello', true],
    ['emoji (a surrogate pair)', 'ok 😀', true],
    ['U+FFFD', '\ufffd', true],
    ['NUL', 'a\u0000b', false],
    ['lone high surrogate', 'a\ud83d', false],
    ['lone low surrogate', '\ude00b', false],
    ['reversed pair', '\ude00\ud83d', false],
  ])('%s → %s', (_name, text, storable) => {
    expect(isStorableText(text)).toBe(storable);
  });

  it.each([
    [{ a: 'x', b: ['y', { c: 'z\u0000' }] }, ['b', '1', 'c']],
    [{ items: [{ tool: 'ok' }, { tool: '\ud800' }] }, ['items', '1', 'tool']],
    [{ 'k\u0000': 1 }, ['k\u0000']],
    ['\u0000', []],
    [{ a: 1, b: null, c: true }, null],
  ])('finds the path of the first refused string in %j', (value, path) => {
    expect(findUnstorableText(value)).toEqual(path);
  });

  it('replaces refused characters and keeps pairs', () => {
    expect(replaceUnstorableText({ 'k\u0000': ['a\ud800', '😀'] })).toEqual({ 'k\ufffd': ['a\ufffd', '😀'] });
  });
});

describe('response check', () => {
  const schema = z.object({
    id: z.string(),
    when: z.string().nullable(),
    lines: z.array(z.object({ n: z.number() })),
    extra: z.looseObject({ a: z.number() }).optional(),
    bag: z.record(z.string(), z.unknown()),
    either: z.union([z.object({ kind: z.literal('a') }), z.object({ kind: z.literal('b'), b: z.number() })]).optional(),
  });
  const good = { id: 'x', when: null, lines: [{ n: 1 }], extra: { a: 1, more: 2 }, bag: { anything: [1] } };

  it.each([
    ['a conforming body', good, null],
    ['a union option with its own field', { ...good, either: { kind: 'b', b: 1 } }, null],
    ['an undeclared top-level field', { ...good, seq: 1 }, "field 'seq' is not declared in the response schema"],
    ['an undeclared nested field', { ...good, lines: [{ n: 1, unit: 'credits' }] }, "field 'lines.0.unit' is not declared in the response schema"],
    ['a wrong type', { ...good, id: 1 }, expect.stringContaining("field 'id'")],
    ['optional fields left out', { id: 'x', when: null, lines: [], bag: {} }, null],
    ['a required field left out', { when: null, lines: [], bag: {} }, expect.stringContaining("field 'id'")],
    ['a date sent as JSON matches a string', { ...good, when: new Date(0) }, null],
  ])('%s', (_name, body, expected) => {
    expect(responseMismatch(schema, body)).toEqual(expected);
  });

  it('an undeclared field inside a union option is found', () => {
    expect(undeclaredField(schema, { ...good, either: { kind: 'a', surprise: 1 } })).toEqual(['either', 'surprise']);
  });
});
