import { Body, Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { PasswordLoginService } from '../identity/password-login.service.js';
import { CurrentUser } from '../common/decorators/current-user.decorator.js';
import { Dialect } from '../common/decorators/dialect.decorator.js';
import type { User } from '../user-store/entities/user.entity.js';
import {
  SecurityAuthenticationResponseDto,
  SecurityCredentialsDto,
  CheckTokenDto,
  CheckTokenResponseDto,
  PrivilegeTokenResponseDto,
} from './dto/security.dto.js';
import { TokenCheckService } from '../identity/token-check.service.js';
import { LoginRoute } from '../identity/limited-route.decorator.js';
import { SECOND_FACTOR_REQUIRED_HEADERS } from '../common/errors/second-factor-required.exception.js';
import { Public } from '../common/decorators/route-access.decorator.js';
import { Access } from '../identity/access.decorator.js';

/** The Security API's error body: `{statusCode, message}`. */
const failure = (statusCode: number, message: string) => ({
  schema: {
    type: 'object',
    properties: { statusCode: { type: 'integer' }, message: { type: 'string' } },
    example: { statusCode, message },
  },
});
const badBody = failure(400, 'token must be a string');

@ApiTags('Security API')
@Dialect('security')
@Controller('api/v1/security')
export class SecurityController {
  constructor(
    private readonly passwordLogin: PasswordLoginService,
    private readonly tokenCheck: TokenCheckService,
  ) {}

  @Post('authentication')
  @Access({ accepts: ['password'], rule: 'anyone' })
  @HttpCode(200)
  @LoginRoute()
  @ApiOperation({
    summary: "Tests a user's credentials, and if successful returns a token to access the system",
  })
  @ApiOkResponse({ type: SecurityAuthenticationResponseDto })
  @ApiBadRequestResponse(badBody)
  @ApiUnauthorizedResponse({
    ...failure(401, 'Invalid username or password'),
    description:
      'Wrong credentials, or a wrong or used otpToken; the right password of a user with a second factor on without otpToken: Gatehouse-OTP: required, and the message says a second factor is required',
    headers: SECOND_FACTOR_REQUIRED_HEADERS,
  })
  async authenticate(
    @Body() dto: SecurityCredentialsDto,
    @Req() request: FastifyRequest,
  ): Promise<SecurityAuthenticationResponseDto> {
    const { user, token } = await this.passwordLogin.loginForAccessToken(
      dto.username,
      dto.password,
      'security',
      request,
      { code: dto.otpToken ?? null, field: 'otpToken' },
    );
    return { id: { userId: user.id, username: user.username }, token, privilege: user.privilege };
  }

  @Post('token')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Validates an authentication token (an access JWT, a user token, or a session as the sid followed by its secret)',
  })
  @ApiOkResponse({ type: CheckTokenResponseDto })
  @ApiBadRequestResponse(badBody)
  async checkToken(@Body() dto: CheckTokenDto): Promise<CheckTokenResponseDto> {
    return {
      tokenStatus: (await this.tokenCheck.isValid(dto.token, dto.service)) ? 'valid' : 'invalid',
    };
  }

  @Get('privilegeToken')
  @Access({ accepts: ['access-jwt'], rule: 'signed-in', strategy: 'jwt' })
  @ApiBearerAuth('jwt')
  @ApiOperation({
    summary:
      "Gets the currently authenticated user's privilege (`Authorization: <jwt>` or `Bearer <jwt>`)",
  })
  @ApiOkResponse({ type: PrivilegeTokenResponseDto })
  @ApiUnauthorizedResponse(failure(401, 'Unauthorized'))
  privilegeToken(@CurrentUser() user: User): PrivilegeTokenResponseDto {
    return { privilege: user.privilege };
  }
}
