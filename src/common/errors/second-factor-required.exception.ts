import { UnauthorizedException } from '@nestjs/common';

/** The header every API's answer carries when the password was right and a code is due. */
export const SECOND_FACTOR_HEADER = 'Gatehouse-OTP';

/** The header as the OpenAPI document declares it on a login's 401. */
export const SECOND_FACTOR_REQUIRED_HEADERS = {
  [SECOND_FACTOR_HEADER]: {
    required: false,
    description: 'required: the password was right, and the account needs a second-factor code',
    schema: { type: 'string', enum: ['required'] },
  },
};

/**
 * The right password of a user with a second factor on, without a code: a 401 in the API's
 * dialect, with `Gatehouse-OTP: required`, naming where that API takes the code.
 */
export class SecondFactorRequiredException extends UnauthorizedException {
  constructor(readonly codeField: string) {
    super(`A second factor is required: send a TOTP or recovery code in ${codeField}`);
  }
}
