import type { TestApp } from './app.js';

let sequence = 0;

/** A username no other test of this file uses. */
export function uniqueName(prefix = 'user'): string {
  sequence += 1;
  return `${prefix}-${sequence}`;
}

/** Runs SQL written with PostgreSQL's `$1` placeholders on either database. */
export function sql(
  t: TestApp,
  text: string,
  params: unknown[] = [],
): Promise<Record<string, unknown>[]> {
  const query = t.db.options.type === 'postgres' ? text : text.replace(/\$\d+/g, '?');
  return t.db.query(query, params);
}
