import { Body, Controller, Post } from '@nestjs/common';
import { ApiBasicAuth, ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../common/decorators/current-user.decorator.js';
import { Dialect } from '../common/decorators/dialect.decorator.js';
import type { User } from '../users/entities/user.entity.js';
import { CreateUserTokenDto } from './dto/create-user-token.dto.js';
import { UserTokenDto } from './dto/user-token-response.dto.js';
import { UserTokenRoute } from './user-token-api.decorator.js';
import { UserTokensService } from './user-tokens.service.js';

/**
 * `POST /auth/login`, the route the user-token API (Basic credentials) shares with the session
 * API (JSON credentials, SPEC §1); this controller is where the two forms part.
 */
@ApiTags('User-token API')
@Dialect('user-token')
@Controller('auth')
export class LoginController {
  constructor(private readonly userTokens: UserTokensService) {}

  @Post('login')
  @UserTokenRoute('basic')
  @ApiBasicAuth('basic')
  @ApiOperation({ summary: 'Authenticate with Basic credentials and receive a userToken' })
  @ApiBody({ type: CreateUserTokenDto, required: false })
  @ApiOkResponse({ type: UserTokenDto })
  login(@CurrentUser() user: User, @Body() dto: CreateUserTokenDto): Promise<UserTokenDto> {
    return this.userTokens.issue(user, dto);
  }
}
