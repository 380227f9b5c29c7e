import type { IncomingMessage } from 'node:http';
import passport from 'passport';
import { basicCredentials } from '../request-credentials.js';

type Verified = (error: unknown, user?: object | false) => void;
type VerifyCredentials = (
  username: string,
  password: string,
  request: IncomingMessage,
  done: Verified,
) => void;

/**
 * `Authorization: Basic` read as RFC 7617 says: the username ends at the first colon, so that
 * `pass:word` is checked whole, and the password may be empty, as the REST-auth API's
 * token-as-username has it (passport-http's Basic strategy splits on every colon and refuses an
 * empty password). `verify` gets the request too, for the login's audit event. Written on
 * Passport's own strategy class, with only what Passport offers every strategy.
 */
export class Rfc7617BasicStrategy extends passport.Strategy {
  override name = 'basic';

  constructor(private readonly verify: VerifyCredentials) {
    super();
  }

  override authenticate(request: IncomingMessage): void {
    const credentials = basicCredentials(request);
    if (!credentials) return this.fail();
    this.verify(credentials.username, credentials.password, request, (error, user) => {
      if (error) return this.error(error);
      if (!user) return this.fail();
      this.success(user);
    });
  }
}
