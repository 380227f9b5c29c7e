/** Deeper than any body of the five APIs; deeper ones would exhaust the stack of the DTO mapper. */
export const MAX_JSON_DEPTH = 32;

/**
 * What is wrong with a parsed JSON body as a whole, or null: nesting deeper than MAX_JSON_DEPTH,
 * or a NUL character in any string (PostgreSQL cannot store one, and nothing needs it). Walked
 * without recursion, so that the check itself cannot overflow the stack.
 */
export function jsonBodyProblem(body: unknown): string | null {
  const pending: { value: unknown; depth: number }[] = [{ value: body, depth: 0 }];
  while (pending.length > 0) {
    const { value, depth } = pending.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\0')) return 'Request body must not contain NUL characters';
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH)
      return `Request body is nested more than ${MAX_JSON_DEPTH} levels deep`;
    for (const [key, child] of Object.entries(value)) {
      if (key.includes('\0')) return 'Request body must not contain NUL characters';
      pending.push({ value: child, depth: depth + 1 });
    }
  }
  return null;
}
