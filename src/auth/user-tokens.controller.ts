import { Controller, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../common/decorators/current-user.decorator.js';
import { Dialect } from '../common/decorators/dialect.decorator.js';
import { UsersService } from '../user-store/users.service.js';
import { BumpResponseDto, LogoutResponseDto } from './dto/user-token-response.dto.js';
import { UserTokenRoute } from './user-token-api.decorator.js';
import {
  type AuthenticatedUserToken,
  UserTokensService,
} from '../credentials/user-tokens/user-tokens.service.js';

@ApiTags('User-token API')
@ApiBearerAuth('user-token')
@Dialect('user-token')
@Controller('auth')
export class UserTokensController {
  constructor(
    private readonly users: UsersService,
    private readonly userTokens: UserTokensService,
  ) {}

  @Post('bump')
  @UserTokenRoute()
  @ApiOperation({ summary: "Bump the user's lastLoginTime" })
  @ApiOkResponse({ type: BumpResponseDto })
  async bump(@CurrentUser() { user }: AuthenticatedUserToken): Promise<BumpResponseDto> {
    const lastLoginTime = await this.users.recordLogin(user);
    return { lastLoginTime: lastLoginTime.toISOString() };
  }

  @Post('logout')
  @UserTokenRoute()
  @ApiOperation({ summary: 'Log out: the userToken of this request stops being valid' })
  @ApiOkResponse({ type: LogoutResponseDto })
  async logout(@CurrentUser() { userToken }: AuthenticatedUserToken): Promise<LogoutResponseDto> {
    await this.userTokens.remove(userToken, 'user-token');
    return { success: true };
  }
}
