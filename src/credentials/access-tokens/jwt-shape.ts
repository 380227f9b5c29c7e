const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Whether `value` has the shape of a compact JWT: three base64url parts. */
export function hasJwtShape(value: string): boolean {
  return JWT.test(value);
}

/** Whether `value` has the shape of a JWT and is longer than any username can be. */
export function looksLikeJwt(value: string): boolean {
  return value.length > 64 && hasJwtShape(value);
}
