/**
 * How long a consumer may cache the published key set (`Cache-Control: max-age`): a rotated-in
 * key is published at least this long before it signs, so that no cached key set misses it.
 */
export const JWKS_MAX_AGE_SECONDS = 300;
