/** What the audit trail records, by type; the list the audit route filters by. */
export const AUDIT_EVENT_TYPES = [
  /** Any password, passkey, RSA or SSO login attempt, success or failure. */
  'login',
  /** An access JWT, a user token or a service client's own token issued. */
  'token.issue',
  /** A user token removed or revoked, an access JWT revoked by jti. */
  'token.revoke',
  'session.start',
  'session.end',
  /** A self-service change or an admin reset. */
  'password.change',
  /** Any change through the admin API; the detail says what. */
  'admin.change',
  /** A TOTP enrolment started (the password proved again). */
  'second-factor.enrol',
  /** A second factor turned on by its first code. */
  'second-factor.enable',
  /** A second factor turned off by its user (with a code) or reset by an admin. */
  'second-factor.disable',
  /**
   * Another credential added, replaced or removed (the detail's `credential`, e.g. `rsa-key`, and
   * `action`), by its owner or an admin (`actorId`); never the credential's value.
   */
  'credential.change',
  /**
   * The users listed at the command line (`users:list`): it changes nothing, but it exports every
   * name and status, so who did it, when and with which filters is kept.
   */
  'user.list',
  /**
   * A service client's Shared Signals stream created, updated, replaced, deleted or its status
   * changed (the detail's `action`, the client's name and id, the stream); never its push credential.
   */
  'ssf.stream.change',
] as const;
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];
export const AUDIT_OUTCOMES = ['success', 'failure'] as const;
