/** What SQLite and PostgreSQL call a write that a unique index or primary key refused. */
const UNIQUE_VIOLATION_CODES = new Set([
  '23505',
  'SQLITE_CONSTRAINT_UNIQUE',
  'SQLITE_CONSTRAINT_PRIMARYKEY',
]);

/** True when a write failed on a unique constraint or primary key. */
export function isUniqueViolation(error: unknown): boolean {
  const { code, driverError } = (error ?? {}) as { code?: string; driverError?: { code?: string } };
  return [code, driverError?.code].some(
    (value) => value !== undefined && UNIQUE_VIOLATION_CODES.has(value),
  );
}

/** Driver codes that mean the database cannot be reached right now, not that the query was wrong. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000', // connection_exception
  '08001', // sqlclient_unable_to_establish_sqlconnection
  '08003', // connection_does_not_exist
  '08006', // connection_failure
  'SQLITE_BUSY',
  'SQLITE_CANTOPEN',
]);
const UNAVAILABLE_MESSAGES =
  /Query read timeout|Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection is not established|database is locked/i;

/** True when an error says the database is out of reach, so that the request is a 503, not a 500. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const { code, message, driverError } = (error ?? {}) as {
    code?: string;
    message?: string;
    driverError?: { code?: string; message?: string };
  };
  if (
    (code && UNAVAILABLE_CODES.has(code)) ||
    (driverError?.code && UNAVAILABLE_CODES.has(driverError.code))
  ) {
    return true;
  }
  return (
    UNAVAILABLE_MESSAGES.test(message ?? '') ||
    UNAVAILABLE_MESSAGES.test(driverError?.message ?? '')
  );
}
