/**
 * The limit the token checks are measured against: a bare node:http server that verifies the same
 * RS256 JWTs with node:crypto and the published JWKS (no framework, no database), and with
 * LOOKUP_DB the same plus one indexed SQLite lookup of the token's subject.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import Database from 'better-sqlite3';

const { JWKS_URL, ISSUER, LOOKUP_DB } = process.env;

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

function isValid(token: string): boolean {
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
  if (!findAccount) return true;
  const account = findAccount.get(Number(claims.sub)) as { enabled: number } | undefined;
  return account?.enabled === 1;
}

function answer(request: IncomingMessage, response: ServerResponse, body: string): void {
  let status = 'invalid';
  try {
    if (isValid((JSON.parse(body) as { token: string }).token)) status = 'valid';
  } catch {
    status = 'invalid';
  }
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ tokenStatus: status }));
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
