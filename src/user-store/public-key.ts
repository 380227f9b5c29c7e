import { createHash, createPublicKey } from 'node:crypto';

const MIN_RSA_MODULUS_BITS = 2048;

/**
 * The normalised SPKI PEM of an RSA public key of at least 2048 bits, or null when `pem` is not
 * one: the only keys `loginwithrsa` can verify.
 */
export function normalizeRsaPublicKey(pem: string): string | null {
  // createPublicKey would also derive a public key from a private one; only SPKI is asked for.
  if (!pem.trimStart().startsWith('-----BEGIN PUBLIC KEY-----')) return null;
  try {
    const key = createPublicKey({ key: pem, format: 'pem', type: 'spki' });
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (key.asymmetricKeyType !== 'rsa' || bits < MIN_RSA_MODULUS_BITS) return null;
    return key.export({ type: 'spki', format: 'pem' }).toString();
  } catch {
    return null;
  }
}

/**
 * What a person compares to tell one RSA login key from another: SHA-256 of the key's SPKI (DER)
 * bytes, in colon-separated hex, as `openssl pkey -pubin -outform DER | openssl dgst -sha256 -c`
 * prints it for the key file they hold.
 */
export function publicKeyFingerprint(pem: string): string {
  const der = createPublicKey({ key: pem, format: 'pem', type: 'spki' }).export({
    type: 'spki',
    format: 'der',
  });
  return createHash('sha256')
    .update(der)
    .digest('hex')
    .replace(/(..)(?!$)/g, '$1:');
}
