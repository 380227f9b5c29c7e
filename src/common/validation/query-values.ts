/** Page sizes of every paged listing: what a request gets unless it asks, and the most it may. */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

/** A query-string integer as a number; anything else stays as it came, for the validator to refuse. */
export const queryInteger = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?[0-9]{1,10}$/.test(value) ? Number(value) : value;

/** `true` and `false` in a query string as booleans; anything else stays, for the validator to refuse. */
export const queryBoolean = ({ value }: { value: unknown }) =>
  value === 'true' ? true : value === 'false' ? false : value;
