import { jsonBodyProblem, MAX_JSON_DEPTH } from './json-body-shape.js';

function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let level = 0; level < depth; level += 1) value = level % 2 ? [value] : { key: value };
  return value;
}

describe('jsonBodyProblem', () => {
  it('accepts ordinary bodies, including paired surrogates (emoji)', () => {
    expect(jsonBodyProblem({ username: 'hawk', note: 'ok 😀', list: [1, null, true] })).toBeNull();
    expect(jsonBodyProblem(undefined)).toBeNull();
    expect(jsonBodyProblem(nested(MAX_JSON_DEPTH))).toBeNull();
  });

  it('refuses nesting deeper than the limit, without overflowing the stack itself', () => {
    expect(jsonBodyProblem(nested(MAX_JSON_DEPTH + 1))).toMatch(/nested/);
    expect(jsonBodyProblem(nested(100_000))).toMatch(/nested/);
  });

  it.each([
    ['a NUL in a value', { note: 'a\0b' }, /NUL/],
    ['a NUL in a key', { ['a\0']: 1 }, /NUL/],
    ['a lone low surrogate', { email: '\udc00' }, /Unicode/],
    ['a lone high surrogate at the end', { name: 'x\ud83d' }, /Unicode/],
    ['a lone surrogate in a key', { ['\ud800']: 1 }, /Unicode/],
  ])('refuses %s', (_, body, problem) => {
    expect(jsonBodyProblem(body)).toMatch(problem);
  });
});
