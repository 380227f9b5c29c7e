import { UnauthorizedException } from '@nestjs/common';

/**
 * A passkey sign-in refused: the assertion did not verify, its challenge was not open, it named no
 * passkey, its counter went back, or its user may not sign in. A 401 in the API's dialect, which
 * tells none of these apart.
 */
export class PasskeyRefusedException extends UnauthorizedException {
  constructor() {
    super('The passkey did not sign in');
  }
}
