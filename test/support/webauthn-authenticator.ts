import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';

/**
 * A software passkey authenticator, for tests that register and sign in over HTTP as a browser
 * with a platform authenticator would: a P-256 key (ES256) per credential made with node:crypto,
 * attestation "none", and the authenticator data, client data and signatures WebAuthn describes,
 * built here and never by the server's library. Everything a relying party checks can be forged
 * on purpose: the origin and RP ID, the flags, the counter, the challenge, the client data's type.
 */

/** Authenticator data flags (WebAuthn §6.1). */
const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_AT = 0x40;

/** COSE: key type EC2, algorithm ES256, curve P-256 (RFC 9053). */
const COSE_KTY = 1;
const COSE_ALG = 3;
const COSE_CRV = -1;
const COSE_X = -2;
const COSE_Y = -3;
const COSE_KTY_EC2 = 2;
const COSE_ALG_ES256 = -7;
const COSE_CRV_P256 = 1;

/** An AAGUID of our own, so that a test can tell this authenticator's passkeys. */
export const SOFTWARE_AAGUID = '5e1f7a2c-0b6d-4c3e-9a8f-1d2e3f4a5b6c';

export interface AuthenticatorSettings {
  /** The origin the "browser" puts in the client data. */
  origin: string;
  /** The RP ID the authenticator hashes into its data (a browser takes the options' one). */
  rpId?: string;
  /** Whether the user was verified (UV); true unless a test says otherwise. */
  userVerified?: boolean;
  /** Whether the user was present (UP); true unless a test says otherwise. */
  userPresent?: boolean;
  /** How much the signature counter grows per assertion; 0: an authenticator that never counts. */
  counterStep?: number;
}

/** What a test may forge in one ceremony, over the authenticator's settings. */
export interface CeremonyOverrides {
  origin?: string;
  rpId?: string;
  userVerified?: boolean;
  userPresent?: boolean;
  /** The challenge signed, instead of the options' one. */
  challenge?: string;
  /** The client data's type, instead of webauthn.create or webauthn.get. */
  type?: string;
}

export interface AssertionOverrides extends CeremonyOverrides {
  /** Which credential answers (base64url id); by default the newest one for the RP ID. */
  credentialId?: string;
  /** The counter to report, instead of the next one. */
  counter?: number;
  /** The user handle to report, instead of the credential's; null to leave it out. */
  userHandle?: string | null;
}

/** A credential the authenticator holds: the private key never leaves it. */
export interface HeldCredential {
  id: string;
  rpId: string;
  userHandle: string;
  privateKey: KeyObject;
  publicKeyCose: Buffer;
  counter: number;
}

export class SoftwareAuthenticator {
  private readonly held: HeldCredential[] = [];

  constructor(private readonly settings: AuthenticatorSettings) {}

  /** The credentials held, oldest first. */
  get credentials(): readonly HeldCredential[] {
    return this.held;
  }

  /**
   * A new credential for `options`, as `navigator.credentials.create()` would answer: a
   * RegistrationResponseJSON. Refuses, as a browser does, when one of the options'
   * excludeCredentials is held already.
   */
  create(
    options: PublicKeyCredentialCreationOptionsJSON,
    overrides: CeremonyOverrides = {},
  ): RegistrationResponseJSON {
    const rpId = overrides.rpId ?? this.settings.rpId ?? options.rp.id ?? '';
    const excluded = new Set((options.excludeCredentials ?? []).map(({ id }) => id));
    if (this.held.some((credential) => excluded.has(credential.id))) {
      throw new Error('InvalidStateError: a credential in excludeCredentials is held already');
    }
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const credentialId = randomBytes(16);
    const credential: HeldCredential = {
      id: credentialId.toString('base64url'),
      rpId,
      userHandle: options.user.id,
      privateKey,
      publicKeyCose: coseKeyOf(publicKey),
      counter: 0,
    };
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(credentialId.length);
    const authData = Buffer.concat([
      this.authDataHead(rpId, FLAG_AT, overrides, credential.counter),
      Buffer.from(SOFTWARE_AAGUID.replace(/-/g, ''), 'hex'),
      idLength,
      credentialId,
      credential.publicKeyCose,
    ]);
    const attestationObject = cbor(
      new Map<string, unknown>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', authData],
      ]),
    );
    this.held.push(credential);
    return {
      id: credential.id,
      rawId: credential.id,
      type: 'public-key',
      response: {
        clientDataJSON: this.clientData('webauthn.create', options.challenge, overrides),
        attestationObject: attestationObject.toString('base64url'),
        transports: ['internal'],
      },
      clientExtensionResults: { credProps: { rk: true } },
      authenticatorAttachment: 'platform',
    };
  }

  /**
   * An assertion for `options`, as `navigator.credentials.get()` would answer with a
   * discoverable credential: an AuthenticationResponseJSON, its counter moved on.
   */
  get(
    options: PublicKeyCredentialRequestOptionsJSON,
    overrides: AssertionOverrides = {},
  ): AuthenticationResponseJSON {
    const rpId = overrides.rpId ?? this.settings.rpId ?? options.rpId ?? '';
    const credential = overrides.credentialId
      ? this.held.find(({ id }) => id === overrides.credentialId)
      : this.held.findLast((candidate) => candidate.rpId === (options.rpId ?? rpId));
    if (!credential) throw new Error('NotAllowedError: no credential for this relying party');
    credential.counter = overrides.counter ?? credential.counter + (this.settings.counterStep ?? 1);
    const authData = this.authDataHead(rpId, 0, overrides, credential.counter);
    const clientDataJSON = this.clientData('webauthn.get', options.challenge, overrides);
    const signed = Buffer.concat([
      authData,
      createHash('sha256').update(Buffer.from(clientDataJSON, 'base64url')).digest(),
    ]);
    const userHandle =
      overrides.userHandle === undefined ? credential.userHandle : overrides.userHandle;
    return {
      id: credential.id,
      rawId: credential.id,
      type: 'public-key',
      response: {
        clientDataJSON,
        authenticatorData: authData.toString('base64url'),
        signature: sign('sha256', signed, credential.privateKey).toString('base64url'),
        ...(userHandle !== null && { userHandle }),
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  /**
   * A second authenticator holding copies of these credentials, as a cloned one would, its
   * counters where they are now (a test then moves one back with `counter`).
   */
  clone(settings: Partial<AuthenticatorSettings> = {}): SoftwareAuthenticator {
    const copy = new SoftwareAuthenticator({ ...this.settings, ...settings });
    copy.held.push(...this.held.map((credential) => ({ ...credential })));
    return copy;
  }

  /** rpIdHash, flags and the counter: the head of every authenticator data. */
  private authDataHead(
    rpId: string,
    extraFlags: number,
    overrides: CeremonyOverrides,
    counter: number,
  ): Buffer {
    const present = overrides.userPresent ?? this.settings.userPresent ?? true;
    const verified = overrides.userVerified ?? this.settings.userVerified ?? true;
    const flags = (present ? FLAG_UP : 0) | (verified ? FLAG_UV : 0) | extraFlags;
    const counterBytes = Buffer.alloc(4);
    counterBytes.writeUInt32BE(counter);
    return Buffer.concat([
      createHash('sha256').update(rpId).digest(),
      Buffer.from([flags]),
      counterBytes,
    ]);
  }

  /** The client data a browser makes, as base64url of its JSON. */
  private clientData(type: string, challenge: string, overrides: CeremonyOverrides): string {
    const json = JSON.stringify({
      type: overrides.type ?? type,
      challenge: overrides.challenge ?? challenge,
      origin: overrides.origin ?? this.settings.origin,
      crossOrigin: false,
    });
    return Buffer.from(json).toString('base64url');
  }
}

/** A P-256 public key as the COSE_Key an attestation carries. */
function coseKeyOf(publicKey: KeyObject): Buffer {
  const { x, y } = publicKey.export({ format: 'jwk' });
  return cbor(
    new Map<number, unknown>([
      [COSE_KTY, COSE_KTY_EC2],
      [COSE_ALG, COSE_ALG_ES256],
      [COSE_CRV, COSE_CRV_P256],
      [COSE_X, Buffer.from(x!, 'base64url')],
      [COSE_Y, Buffer.from(y!, 'base64url')],
    ]),
  );
}

/**
 * CBOR (RFC 8949) for what attestations hold: integers, byte and text strings, arrays and maps,
 * each in its shortest head.
 */
export function cbor(value: unknown): Buffer {
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error('cbor: only integers');
    return value >= 0 ? head(0, value) : head(1, -1 - value);
  }
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) {
    return Buffer.concat([head(2, value.length), Buffer.from(value)]);
  }
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([head(3, bytes.length), bytes]);
  }
  if (Array.isArray(value)) {
    return Buffer.concat([head(4, value.length), ...value.map(cbor)]);
  }
  if (value instanceof Map) {
    const entries = [...(value as Map<unknown, unknown>).entries()];
    return Buffer.concat([
      head(5, entries.length),
      ...entries.flatMap(([key, entry]) => [cbor(key), cbor(entry)]),
    ]);
  }
  throw new Error(`cbor: cannot encode ${typeof value}`);
}

/** A CBOR head: the major type and the argument in the fewest bytes. */
function head(major: number, argument: number): Buffer {
  const type = major << 5;
  if (argument < 24) return Buffer.from([type | argument]);
  if (argument < 0x100) return Buffer.from([type | 24, argument]);
  if (argument < 0x10000) {
    const bytes = Buffer.alloc(3);
    bytes[0] = type | 25;
    bytes.writeUInt16BE(argument, 1);
    return bytes;
  }
  const bytes = Buffer.alloc(5);
  bytes[0] = type | 26;
  bytes.writeUInt32BE(argument, 1);
  return bytes;
}
