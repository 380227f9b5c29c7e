import { holdsNul } from './client-text.js';

/** Deeper than any body of the five APIs; deeper ones would exhaust the stack of the DTO mapper. */
export const MAX_JSON_DEPTH = 32;

/** A UTF-16 surrogate without its pair: JSON lets `\udc00` through, but it is no character. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function stringProblem(value: string): string | null {
  if (holdsNul(value)) return 'Request body must not contain NUL characters';
  if (LONE_SURROGATE.test(value)) return 'Request body must be well-formed Unicode';
  return null;
}

/**
 * What is wrong with a parsed JSON body as a whole, or null: nesting deeper than MAX_JSON_DEPTH,
 * a NUL character (PostgreSQL cannot store one, and nothing needs it) or a lone surrogate (which
 * validators choke on and databases store as U+FFFD) in any string. Walked without recursion, so
 * that the check itself cannot overflow the stack.
 */
export function jsonBodyProblem(body: unknown): string | null {
  const pending: { value: unknown; depth: number }[] = [{ value: body, depth: 0 }];
  while (pending.length > 0) {
    const { value, depth } = pending.pop()!;
    if (typeof value === 'string') {
      const problem = stringProblem(value);
      if (problem) return problem;
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH)
      return `Request body is nested more than ${MAX_JSON_DEPTH} levels deep`;
    for (const [key, child] of Object.entries(value)) {
      const problem = stringProblem(key);
      if (problem) return problem;
      pending.push({ value: child, depth: depth + 1 });
    }
  }
  return null;
}
