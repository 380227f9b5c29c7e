/** True when a write failed on a unique constraint, in SQLite's or PostgreSQL's words. */
export function isUniqueViolation(error: unknown): boolean {
  const { code, driverError } = (error ?? {}) as { code?: string; driverError?: { code?: string } };
  const codes = [code, driverError?.code];
  return codes.includes('23505') || codes.includes('SQLITE_CONSTRAINT_UNIQUE');
}
