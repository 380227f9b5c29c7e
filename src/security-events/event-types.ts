/** The event types Gatehouse transmits, by the URIs of CAEP 1.0, RISC 1.0 and SSF 1.0. */
const CAEP = 'https://schemas.openid.net/secevent/caep/event-type';
const RISC = 'https://schemas.openid.net/secevent/risc/event-type';
const SSF = 'https://schemas.openid.net/secevent/ssf/event-type';

export const EVENT_TYPES = {
  sessionRevoked: `${CAEP}/session-revoked`,
  credentialChange: `${CAEP}/credential-change`,
  tokenClaimsChange: `${CAEP}/token-claims-change`,
  accountDisabled: `${RISC}/account-disabled`,
  accountEnabled: `${RISC}/account-enabled`,
  accountPurged: `${RISC}/account-purged`,
  verification: `${SSF}/verification`,
  streamUpdated: `${SSF}/stream-updated`,
} as const;

export type EventType = (typeof EVENT_TYPES)[keyof typeof EVENT_TYPES];

/** What a receiver may ask for: every type but the stream's own, which each stream always gets. */
export const SUBSCRIBABLE_EVENT_TYPES: readonly EventType[] = [
  EVENT_TYPES.sessionRevoked,
  EVENT_TYPES.credentialChange,
  EVENT_TYPES.tokenClaimsChange,
  EVENT_TYPES.accountDisabled,
  EVENT_TYPES.accountEnabled,
  EVENT_TYPES.accountPurged,
];
