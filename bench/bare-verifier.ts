/**
 * The limit the token checks are measured against: a bare node:http server that verifies the same
 * RS256 JWTs with node:crypto and the published JWKS (no framework, no database); with LOOKUP_DB
 * the same plus one indexed SQLite lookup of the token's subject, and with LOOKUP_PG (a PostgreSQL
 * URL) the same lookup over `pg`: a pool as large as the server's, one pooled connection a
 * request, a named prepared statement.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import Database from 'better-sqlite3';
import pg from 'pg';

const { JWKS_URL, ISSUER, LOOKUP_DB, LOOKUP_PG } = process.env;
/** As src/database/data-source-options.ts sizes the server's pool. */
const PG_POOL_SIZE = 20;
/** The table run.ts seeds for this limit in the bench's own database (its PG_LIMIT_TABLE). */
const PG_LOOKUP_TABLE = 'bench_limit_account';

interface Jwk {
  kid: string;
  [field: string]: unknown;
}

const keys = new Map<string, KeyObject>();
for (const jwk of ((await (await fetch(JWKS_URL!)).json()) as { keys: Jwk[] }).keys) {
  keys.set(jwk.kid, createPublicKey({ key: jwk, format: 'jwk' }));
}
const findAccount = LOOKUP_DB
  ? new Database(LOOKUP_DB, { readonly: true }).prepare('SELECT enabled FROM account WHERE id = ?')
  : null;
const pool = LOOKUP_PG
  ? new pg.Pool({ connectionString: LOOKUP_PG, max: PG_POOL_SIZE, keepAlive: true })
  : null;
// An idle connection that breaks (the database dropped at the end of a run) must not end the limit.
pool?.on('error', () => undefined);

/**
 * The subject's account is enabled: one indexed read, from SQLite (synchronous, as before) or
 * PostgreSQL, or none.
 */
function accountEnabled(id: number): boolean | Promise<boolean> {
  if (findAccount) return (findAccount.get(id) as { enabled: number } | undefined)?.enabled === 1;
  if (!pool) return true;
  return pool
    .query<{ enabled: boolean }>({
      name: 'find-account',
      text: `SELECT enabled FROM ${PG_LOOKUP_TABLE} WHERE id = $1`,
      values: [id],
    })
    .then(({ rows }) => rows[0]?.enabled === true);
}

function isValid(token: string): boolean | Promise<boolean> {
  const [header, payload, signature] = token.split('.');
  if (!signature) return false;
  const { kid, alg } = JSON.parse(Buffer.from(header, 'base64url').toString()) as {
    kid?: string;
    alg?: string;
  };
  const key = kid ? keys.get(kid) : undefined;
  if (!key || alg !== 'RS256') return false;
  const signed = Buffer.from(`${header}.${payload}`);
  if (!verify('sha256', signed, key, Buffer.from(signature, 'base64url'))) return false;
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as {
    sub: string;
    iss: string;
    exp: number;
  };
  if (claims.iss !== ISSUER || claims.exp * 1000 < Date.now()) return false;
  return accountEnabled(Number(claims.sub));
}

function answer(request: IncomingMessage, response: ServerResponse, body: string): void {
  let valid: boolean | Promise<boolean> = false;
  try {
    valid = isValid((JSON.parse(body) as { token: string }).token);
  } catch {
    valid = false;
  }
  if (typeof valid === 'boolean') respond(response, valid);
  else
    valid.then(
      (ok) => respond(response, ok),
      () => respond(response, false),
    );
}

function respond(response: ServerResponse, valid: boolean): void {
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ tokenStatus: valid ? 'valid' : 'invalid' }));
}

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => answer(request, response, Buffer.concat(chunks).toString()));
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') process.stdout.write(`${address.port}\n`);
});
