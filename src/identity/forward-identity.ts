import type { Privilege } from '../user-store/entities/user.entity.js';

/** Who a forwarded request is, as the proxy passes it on. */
export interface ForwardIdentity {
  userId: number;
  username: string;
  privilege: Privilege;
  scope: string;
}
