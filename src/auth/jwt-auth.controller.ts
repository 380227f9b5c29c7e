import { Body, Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { loginAttemptOf } from '../audit/login-attempt.js';
import { Dialect } from '../common/decorators/dialect.decorator.js';
import { AccessTokenResponseDto, CredentialsDto } from './dto/credentials.dto.js';
import { PasswordLoginService } from './password-login.service.js';
import { ClientThrottlerGuard } from '../throttling/client-throttler.guard.js';
import { CountsAsLogin } from '../throttling/throttle.decorators.js';

@ApiTags('JWT API')
@Dialect('jwt')
@Controller('v1')
export class JwtAuthController {
  constructor(private readonly passwordLogin: PasswordLoginService) {}

  @Post('auth')
  @HttpCode(200)
  @UseGuards(ClientThrottlerGuard)
  @CountsAsLogin()
  @ApiOperation({
    summary: 'Retrieve an RS256 access token (sub, sub_type, iss, iat, scope, exp, jti)',
  })
  @ApiOkResponse({ description: 'Successful Authentication', type: AccessTokenResponseDto })
  @ApiBadRequestResponse({
    description: 'Validation errors',
    schema: {
      example: {
        code: 400,
        message: 'Required fields were not provided...',
        description: 'username, password are required!',
      },
    },
  })
  @ApiUnauthorizedResponse({
    schema: {
      example: {
        code: 401,
        message: 'Invalid credentials...',
        description: 'username or password is incorrect!',
      },
    },
  })
  async authenticate(
    @Body() dto: CredentialsDto,
    @Req() request: FastifyRequest,
  ): Promise<AccessTokenResponseDto> {
    const { token } = await this.passwordLogin.loginForAccessToken(
      dto.username,
      dto.password,
      loginAttemptOf('jwt', request),
    );
    return { access_token: token };
  }
}
