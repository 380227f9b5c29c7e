import type { IncomingMessage } from 'node:http';
import { BasicStrategy } from 'passport-http';
import { basicCredentials } from '../request-credentials.js';

type Verified = (error: unknown, user?: unknown) => void;

/**
 * passport-http's Basic strategy with its header parsing replaced: passport-http splits on every
 * colon (so `pass:word` would be checked as `pass`) and refuses an empty password, which the
 * REST-auth API's token-as-username allows. `validate` gets the request too, for the login's
 * audit event.
 */
export class Rfc7617BasicStrategy extends BasicStrategy {
  authenticate(request: IncomingMessage): void {
    const self = this as unknown as {
      _verify: (
        username: string,
        password: string,
        request: IncomingMessage,
        done: Verified,
      ) => void;
      _challenge: () => string;
      fail: (challenge: string) => void;
      error: (error: unknown) => void;
      success: (user: unknown) => void;
    };
    const credentials = basicCredentials(request);
    if (!credentials) return self.fail(self._challenge());
    self._verify(credentials.username, credentials.password, request, (error, user) => {
      if (error) return self.error(error);
      if (!user) return self.fail(self._challenge());
      self.success(user);
    });
  }
}
