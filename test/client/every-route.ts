import type { Client } from 'openapi-fetch';
import type { paths } from './gatehouse-api.js';

/** What the client program signs in with: an admin, and the password every user it makes gets. */
export interface EveryRouteCredentials {
  adminUsername: string;
  adminPassword: string;
  password: string;
  /** An RSA public key (SPKI PEM) to register. */
  publicKey: string;
}

const basic = (username: string, password: string) => `Basic ${btoa(`${username}:${password}`)}`;

/**
 * A client of every operation the OpenAPI document has, written against the types generated from
 * it: it compiles only while each call's path, parameters and body are what the document says,
 * and the OpenAPI client test checks that it names every operation. It signs in as a user and an
 * admin and goes through each API once, tolerating any documented answer: the shapes are what is
 * checked here, and the responses are held against the document as they come.
 */
export async function callEveryRoute(
  api: Client<paths>,
  credentials: EveryRouteCredentials,
): Promise<void> {
  const { password } = credentials;

  // Health, metrics and keys
  await api.GET('/health/live');
  await api.GET('/health/ready');
  await api.GET('/metrics', { parseAs: 'text' });
  await api.GET('/.well-known/jwks.json');

  // REST-auth
  const registered = await api.POST('/api/users', {
    body: { username: 'every-route', password, email: 'every-route@example.com' },
  });
  const id = Number(registered.response.headers.get('location')?.split('/').pop());
  const username = registered.data?.username ?? 'every-route';
  const user = basic(username, password);
  await api.GET('/api/users/{id}', { params: { path: { id } } });
  await api.PUT('/api/users/{id}/public-key', {
    params: { path: { id } },
    headers: { Authorization: user },
    body: { publicKey: credentials.publicKey },
  });
  const token = await api.GET('/api/token', { headers: { Authorization: user } });
  await api.GET('/api/resource', {
    headers: { Authorization: basic(token.data?.token ?? '', 'x') },
  });

  // JWT and Security
  const jwt = await api.POST('/v1/auth', { body: { username, password } });
  const bearer = `Bearer ${jwt.data?.access_token ?? ''}`;
  const security = await api.POST('/api/v1/security/authentication', {
    body: { username, password },
  });
  await api.POST('/api/v1/security/token', {
    body: { token: security.data?.token ?? '', service: 'orders' },
  });
  await api.GET('/api/v1/security/privilegeToken', { headers: { Authorization: bearer } });

  // User tokens
  const userToken = await api.POST('/auth/login', {
    headers: { Authorization: user },
    body: { note: 'every route' },
  });
  const userBearer = `Bearer ${userToken.data && 'token' in userToken.data ? userToken.data.token : ''}`;
  await api.POST('/auth/bump', { headers: { Authorization: userBearer } });

  // Sessions
  const login = await api.POST('/auth/login', { body: { login: username, password } });
  const sid = login.data && 'sid' in login.data ? login.data.sid : '0';
  const cookie = login.response.headers.get('set-cookie')?.split(';')[0] ?? '';
  await api.GET('/auth/login', { parseAs: 'text' });
  await api.GET('/auth/ssologin', { parseAs: 'text' });
  await api.POST('/auth/loginwithrsa', {
    body: { username, salt: 'every-route', expirationTimestamp: Date.now(), rsaSignature: 'AA==' },
  });
  await api.GET('/auth/validate/{sid}', { params: { path: { sid } }, headers: { Cookie: cookie } });
  const hashed = await api.POST('/auth/hashpassword', {
    params: { query: { sid } },
    headers: { Cookie: cookie },
    body: { password, userId: id },
  });
  await api.POST('/auth/matchpassword', {
    params: { query: { sid } },
    headers: { Cookie: cookie },
    body: { password, hash: hashed.data?.hash ?? '' },
  });
  await api.GET('/auth/globalprefix');

  // Forward authentication, as a reverse proxy asks: by token, and by session (Envoy's path)
  await api.GET('/auth/forward', {
    params: { query: { privilege: 'user', scope: ['profile:read'] } },
    headers: { Authorization: bearer },
    parseAs: 'text',
  });
  await api.GET('/auth/forward/{path}', {
    params: { path: { path: 'orders' } },
    headers: { Cookie: cookie, 'X-Session-Id': sid },
    parseAs: 'text',
  });

  // Self-service
  const self = { Authorization: bearer };
  await api.GET('/api/me', { headers: self });
  await api.PATCH('/api/me', { headers: self, body: { firstName: 'Every' } });
  await api.PUT('/api/me/public-key', {
    headers: self,
    body: { publicKey: credentials.publicKey, password },
  });
  await api.DELETE('/api/me/public-key', { headers: self, body: { password } });
  const tokens = await api.GET('/api/me/user-tokens', { headers: self });
  const sessions = await api.GET('/api/me/sessions', { headers: self });
  await api.DELETE('/api/me/sessions/{sid}', {
    params: { path: { sid: sessions.data?.[0]?.sid ?? 0 } },
    headers: self,
  });
  await api.DELETE('/api/me/user-tokens/{id}', {
    params: { path: { id: tokens.data?.[0]?.id ?? 0 } },
    headers: self,
  });
  // A second factor started but never confirmed (a recovery code's shape confirms nothing), so
  // that the calls after it sign in with the password alone.
  await api.POST('/api/me/totp', { headers: self, body: { password } });
  await api.POST('/api/me/totp/confirm', { headers: self, body: { code: 'aaaaa-aaaaa' } });
  await api.DELETE('/api/me/totp', { headers: self, body: { code: 'aaaaa-aaaaa' } });
  // Passkeys, with no authenticator at hand: the options come, the made-up credential is refused.
  const creation = await api.POST('/api/me/passkeys/options', {
    headers: self,
    body: { password },
  });
  const madeUp = {
    id: 'AAAA',
    rawId: 'AAAA',
    type: 'public-key',
    response: { clientDataJSON: 'e30', attestationObject: 'oA', authenticatorData: 'AA' },
  };
  await api.POST('/api/me/passkeys', {
    headers: self,
    body: { challengeId: creation.data?.challengeId, name: 'Laptop', response: madeUp },
  });
  const passkeys = await api.GET('/api/me/passkeys', { headers: self });
  const passkeyId = passkeys.data?.[0]?.id ?? 1;
  await api.PATCH('/api/me/passkeys/{id}', {
    params: { path: { id: passkeyId } },
    headers: self,
    body: { name: 'Work laptop' },
  });
  await api.DELETE('/api/me/passkeys/{id}', { params: { path: { id: passkeyId } }, headers: self });
  const request = await api.POST('/webauthn/authentication/options');
  await api.POST('/webauthn/authentication', {
    body: { challengeId: request.data?.challengeId ?? '', response: madeUp },
  });

  // Administration
  const adminJwt = await api.POST('/v1/auth', {
    body: { username: credentials.adminUsername, password: credentials.adminPassword },
  });
  const asAdmin = { Authorization: `Bearer ${adminJwt.data?.access_token ?? ''}` };
  await api.GET('/api/admin/users', { headers: asAdmin, params: { query: { limit: 10 } } });
  await api.GET('/api/admin/users/{id}', { params: { path: { id } }, headers: asAdmin });
  const group = await api.POST('/api/admin/groups', {
    headers: asAdmin,
    body: { name: 'every-route' },
  });
  const groupId = group.data?.id ?? 0;
  await api.GET('/api/admin/groups', { headers: asAdmin });
  await api.PATCH('/api/admin/groups/{id}', {
    params: { path: { id: groupId } },
    headers: asAdmin,
    body: { description: 'made by the client program' },
  });
  await api.PUT('/api/admin/users/{id}/groups', {
    params: { path: { id } },
    headers: asAdmin,
    body: { groups: [groupId] },
  });
  await api.PATCH('/api/admin/users/{id}', {
    params: { path: { id } },
    headers: asAdmin,
    body: { lastName: 'Route' },
  });
  await api.GET('/api/admin/users/{id}/user-tokens', {
    params: { path: { id } },
    headers: asAdmin,
  });
  await api.GET('/api/admin/users/{id}/sessions', { params: { path: { id } }, headers: asAdmin });
  await api.DELETE('/api/admin/user-tokens/{tokenId}', {
    params: { path: { tokenId: tokens.data?.[0]?.id ?? 0 } },
    headers: asAdmin,
  });
  await api.DELETE('/api/admin/sessions/{sid}', {
    params: { path: { sid: Number(sid) } },
    headers: asAdmin,
  });
  await api.POST('/api/admin/revoked-tokens', {
    headers: asAdmin,
    body: { token: jwt.data?.access_token ?? '' },
  });
  await api.GET('/api/admin/audit-events', { headers: asAdmin, params: { query: { limit: 5 } } });
  await api.POST('/api/admin/keys/rotate', { headers: asAdmin });
  await api.POST('/api/admin/users/import', {
    headers: { ...asAdmin, 'Content-Type': 'application/x-ndjson' },
    params: { query: { update: false } },
    // A user whose former service hashed "bcrypt 2b password" with bcrypt at cost 4.
    body: {
      username: 'every-route-imported',
      passwordHash: '$2b$04$bdewGwi3LYQKuqY3KMolFePK/LG8WedxLJLt9z4rcZ6MsU25TGsGS',
      groups: ['every-route-imported'],
    },
    bodySerializer: (line) => `${JSON.stringify(line)}\n`,
  });
  await api.DELETE('/api/admin/users/{id}/public-key', {
    params: { path: { id } },
    headers: asAdmin,
  });
  await api.DELETE('/api/admin/users/{id}/passkeys', {
    params: { path: { id } },
    headers: asAdmin,
  });
  await api.DELETE('/api/admin/users/{id}/credentials', {
    params: { path: { id } },
    headers: asAdmin,
  });
  await api.POST('/api/admin/users/{id}/password', {
    params: { path: { id } },
    headers: asAdmin,
    body: { password: `${password}-reset` },
  });
  await api.DELETE('/api/admin/users/{id}/totp', { params: { path: { id } }, headers: asAdmin });
  await api.DELETE('/api/admin/groups/{id}', {
    params: { path: { id: groupId } },
    headers: asAdmin,
  });

  // Server metadata, service clients, their own tokens, introspection and revocation (OAuth 2.0)
  await api.GET('/.well-known/openid-configuration');
  await api.GET('/.well-known/oauth-authorization-server');
  const serviceClient = await api.POST('/api/admin/clients', {
    headers: asAdmin,
    body: { name: 'every-route' },
  });
  const clientId = serviceClient.data?.clientId ?? '';
  await api.GET('/api/admin/clients', { headers: asAdmin });
  await api.PATCH('/api/admin/clients/{clientId}', {
    params: { path: { clientId } },
    headers: asAdmin,
    body: { enabled: true },
  });
  const rotated = await api.POST('/api/admin/clients/{clientId}/secret', {
    params: { path: { clientId } },
    headers: asAdmin,
  });
  const asClient = {
    Authorization: basic(clientId, rotated.data?.clientSecret ?? ''),
    'Content-Type': 'application/x-www-form-urlencoded',
  };
  const formBody = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
  const checked = security.data?.token ?? '';
  const clientToken = await api.POST('/oauth2/token', {
    headers: asClient,
    body: { grant_type: 'client_credentials', scope: 'ssf' },
    bodySerializer: formBody,
  });
  await api.POST('/oauth2/introspect', {
    headers: asClient,
    body: { token: clientToken.data?.access_token ?? '' },
    bodySerializer: formBody,
  });
  await api.POST('/oauth2/introspect', {
    headers: asClient,
    body: { token: checked },
    bodySerializer: formBody,
  });
  await api.POST('/oauth2/revoke', {
    headers: asClient,
    body: { token: checked, token_type_hint: 'access_token' },
    bodySerializer: formBody,
    parseAs: 'text',
  });

  // Shared signals: the client's stream, its status, verification and poll
  await api.GET('/.well-known/ssf-configuration');
  const asReceiver = { Authorization: asClient.Authorization };
  const stream = await api.POST('/ssf/streams', {
    headers: asReceiver,
    body: {
      delivery: { method: 'urn:ietf:rfc:8936' },
      events_requested: ['https://schemas.openid.net/secevent/caep/event-type/session-revoked'],
      description: 'Every route',
    },
  });
  const streamId = stream.data?.stream_id ?? '';
  await api.GET('/ssf/streams', {
    headers: asReceiver,
    params: { query: { stream_id: streamId } },
  });
  await api.PATCH('/ssf/streams', {
    headers: asReceiver,
    body: { stream_id: streamId, description: 'Every route, updated' },
  });
  await api.PUT('/ssf/streams', {
    headers: asReceiver,
    body: { stream_id: streamId, delivery: { method: 'urn:ietf:rfc:8936' } },
  });
  await api.GET('/ssf/status', { headers: asReceiver, params: { query: { stream_id: streamId } } });
  await api.POST('/ssf/status', {
    headers: asReceiver,
    body: { stream_id: streamId, status: 'enabled' },
  });
  await api.POST('/ssf/verify', {
    headers: asReceiver,
    body: { stream_id: streamId, state: 'every-route' },
  });
  const polled = await api.POST('/ssf/poll/{streamId}', {
    params: { path: { streamId } },
    headers: asReceiver,
    body: { returnImmediately: true },
  });
  await api.POST('/ssf/poll/{streamId}', {
    params: { path: { streamId } },
    headers: asReceiver,
    body: { returnImmediately: true, maxEvents: 0, ack: Object.keys(polled.data?.sets ?? {}) },
  });
  await api.DELETE('/ssf/streams', {
    headers: asReceiver,
    params: { query: { stream_id: streamId } },
  });
  await api.DELETE('/api/admin/clients/{clientId}', {
    params: { path: { clientId } },
    headers: asAdmin,
  });

  // What ends the user's own credentials, last
  await api.POST('/auth/logout/{sid}', {
    params: { path: { sid }, query: { allSessions: true } },
    headers: { Cookie: cookie },
  });
  await api.POST('/auth/logout', { headers: { Authorization: userBearer } });
  const reset = await api.POST('/v1/auth', { body: { username, password: `${password}-reset` } });
  await api.POST('/api/me/password', {
    headers: { Authorization: `Bearer ${reset.data?.access_token ?? ''}` },
    body: { oldPassword: `${password}-reset`, newPassword: `${password}-changed` },
  });
  await api.DELETE('/api/admin/users/{id}', { params: { path: { id } }, headers: asAdmin });
}
