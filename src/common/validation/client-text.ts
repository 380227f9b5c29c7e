/**
 * The one rule for text a client sends: it holds no NUL character. PostgreSQL refuses NUL in text
 * (the statement fails) while SQLite stores it, and nothing a client sends needs one; so a NUL
 * anywhere (a body, a path, a query, a credential) is refused where the text is read, on both
 * databases alike, before any of it reaches a statement.
 */
export function holdsNul(text: string): boolean {
  return text.includes('\0');
}

/**
 * Where in `value` (a string, or the strings of an array or object, keys included) a NUL is: the
 * key it is under, or `where` for the value itself; null when there is none.
 */
export function nulIn(value: unknown, where: string): string | null {
  if (typeof value === 'string') return holdsNul(value) ? where : null;
  if (value === null || typeof value !== 'object') return null;
  for (const [key, child] of Object.entries(value)) {
    if (holdsNul(key)) return where;
    const found = nulIn(child, Array.isArray(value) ? where : key);
    if (found !== null) return found;
  }
  return null;
}
