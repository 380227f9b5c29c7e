import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import type { Response } from 'supertest';
import type { TestApp } from './app.js';
import type { Credentials } from './credentials.js';
import {
  type AssertionOverrides,
  type AuthenticatorSettings,
  type CeremonyOverrides,
  SoftwareAuthenticator,
} from './webauthn-authenticator.js';

/**
 * Passkeys over HTTP, as a browser with a software authenticator (webauthn-authenticator.ts)
 * adds one on /api/me and signs in with it at /webauthn/authentication.
 */

/** An authenticator for the app's relying party: its first origin, unless `settings` say else. */
export function authenticatorFor(
  t: TestApp,
  settings: Partial<AuthenticatorSettings> = {},
): SoftwareAuthenticator {
  return new SoftwareAuthenticator({ origin: t.config.webauthn.origins[0], ...settings });
}

/** An access JWT of `user` from the JWT API, as the self-service calls' Bearer. */
export async function bearerOf(t: TestApp, user: Credentials, otp?: string): Promise<string> {
  const res = await t
    .http()
    .post('/v1/auth')
    .send({ username: user.username, password: user.password, otp });
  expect(res.status).toBe(200);
  return `Bearer ${res.body.access_token as string}`;
}

export type CreationOptionsWithId = PublicKeyCredentialCreationOptionsJSON & {
  challengeId: string;
};
export type RequestOptionsWithId = PublicKeyCredentialRequestOptionsJSON & { challengeId: string };

/** `POST /api/me/passkeys/options` with `proof` as the body: the response. */
export function passkeyOptions(
  t: TestApp,
  authorization: string,
  proof: Record<string, unknown>,
): Promise<Response> {
  return t.http().post('/api/me/passkeys/options').set('Authorization', authorization).send(proof);
}

/** `POST /api/me/passkeys` with `body`: the response. */
export function postPasskey(
  t: TestApp,
  authorization: string,
  body: Record<string, unknown>,
): Promise<Response> {
  return t.http().post('/api/me/passkeys').set('Authorization', authorization).send(body);
}

export interface AddedPasskey {
  id: number;
  name: string;
}

/** How addPasskey goes about it; each left out has its plain default. */
export interface PasskeyAddition {
  name?: string;
  /** The code the proof carries, for a user whose second factor is on. */
  code?: string;
  /** The caller's Authorization; by default a password login's (which a TOTP user cannot make). */
  authorization?: string;
  overrides?: CeremonyOverrides;
}

/**
 * Adds a passkey of `user` made by `authenticator` through self-service: options with the
 * password (and `code`, for a user whose second factor is on), then the new credential.
 */
export async function addPasskey(
  t: TestApp,
  user: Credentials,
  authenticator: SoftwareAuthenticator,
  { name = 'Laptop', code, authorization: given, overrides }: PasskeyAddition = {},
): Promise<AddedPasskey> {
  const authorization = given ?? (await bearerOf(t, user));
  const options = await passkeyOptions(t, authorization, { password: user.password, code });
  expect(options.status).toBe(200);
  const creation = options.body as CreationOptionsWithId;
  const added = await postPasskey(t, authorization, {
    challengeId: creation.challengeId,
    name,
    response: authenticator.create(creation, overrides),
  });
  expect(added.status).toBe(201);
  return added.body as AddedPasskey;
}

/** `POST /webauthn/authentication/options`, with `cookie` when given: the options. */
export async function signInOptions(t: TestApp, cookie?: string): Promise<RequestOptionsWithId> {
  const req = t.http().post('/webauthn/authentication/options');
  const res = await (cookie ? req.set('Cookie', cookie) : req);
  expect(res.status).toBe(200);
  return res.body as RequestOptionsWithId;
}

/**
 * A sign-in with `authenticator`'s passkey at /webauthn/authentication: fresh options, the
 * assertion (forged as `overrides` say), the response.
 */
export async function passkeySignIn(
  t: TestApp,
  authenticator: SoftwareAuthenticator,
  overrides: AssertionOverrides = {},
): Promise<Response> {
  const options = await signInOptions(t);
  return t
    .http()
    .post('/webauthn/authentication')
    .send({ challengeId: options.challengeId, response: authenticator.get(options, overrides) });
}
