import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Put,
  Query,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { ErrorResponseDto } from '../common/dialects/error-response.dto.js';
import { Actor, type RequestActor } from '../identity/request-actor.decorator.js';
import { Dialect } from '../common/decorators/dialect.decorator.js';
import { PositiveIntPipe } from '../common/validation/positive-int.pipe.js';
import { Authenticated } from '../identity/authenticated.decorator.js';
import { AdminUsersService } from './admin-users.service.js';
import {
  AdminUserDto,
  ListUsersQueryDto,
  ResetPasswordDto,
  SetGroupsDto,
  UpdateUserDto,
  UserPageDto,
} from './dto/admin-user.dto.js';

const userId = () => ApiParam({ name: 'id', type: Number, description: 'The user id' });
const badRequest = { type: ErrorResponseDto, description: 'A malformed id, query or body' };
const noSuchUser = { type: ErrorResponseDto, description: 'No user (or group) has this id' };

@ApiTags('Administration')
@Dialect('default')
@Authenticated('admin')
@Controller('api/admin/users')
export class AdminUsersController {
  constructor(private readonly users: AdminUsersService) {}

  @Get()
  @ApiOperation({ summary: 'List users: paged, by username prefix, privilege, enabled' })
  @ApiOkResponse({ type: UserPageDto })
  @ApiBadRequestResponse(badRequest)
  list(@Query() query: ListUsersQueryDto): Promise<UserPageDto> {
    return this.users.list(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Read a user (every field but the password hash)' })
  @userId()
  @ApiOkResponse({ type: AdminUserDto })
  @ApiBadRequestResponse(badRequest)
  @ApiNotFoundResponse(noSuchUser)
  get(@Param('id', PositiveIntPipe) id: number): Promise<AdminUserDto> {
    return this.users.get(id);
  }

  @Patch(':id')
  @ApiOperation({
    summary: "Change a user's privilege, scope, groups, profile or enabled",
    description:
      'Disabling ends every user token and session of the user at once, and their access JWTs ' +
      'stop working. An admin cannot disable or demote themselves. A credential is not changed ' +
      'here: publicKey is refused (400); an admin removes a login key with DELETE ' +
      '/api/admin/users/{id}/public-key and resets a password or a second factor by their routes.',
  })
  @userId()
  @ApiOkResponse({ type: AdminUserDto })
  @ApiBadRequestResponse(badRequest)
  @ApiNotFoundResponse(noSuchUser)
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'Disabling or demoting oneself' })
  update(
    @Actor() actor: RequestActor,
    @Param('id', PositiveIntPipe) id: number,
    @Body() dto: UpdateUserDto,
  ): Promise<AdminUserDto> {
    return this.users.update(actor, id, dto);
  }

  @Put(':id/groups')
  @ApiOperation({ summary: "Set a user's groups (the groups the session API returns)" })
  @userId()
  @ApiOkResponse({ type: AdminUserDto })
  @ApiBadRequestResponse(badRequest)
  @ApiNotFoundResponse(noSuchUser)
  setGroups(
    @Actor() actor: RequestActor,
    @Param('id', PositiveIntPipe) id: number,
    @Body() dto: SetGroupsDto,
  ): Promise<AdminUserDto> {
    return this.users.setGroups(actor, id, dto.groups);
  }

  @Post(':id/password')
  @HttpCode(204)
  @ApiOperation({
    summary: "Reset a user's password",
    description:
      'Ends every user token and session of the user at once; every access JWT issued before ' +
      'stops working, whatever second it was issued in. Lifts a lockout.',
  })
  @userId()
  @ApiNoContentResponse({ description: 'Reset' })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'A malformed id, or a password the policy refuses',
  })
  @ApiNotFoundResponse(noSuchUser)
  async resetPassword(
    @Actor() actor: RequestActor,
    @Param('id', PositiveIntPipe) id: number,
    @Body() dto: ResetPasswordDto,
  ): Promise<void> {
    await this.users.resetPassword(actor, id, dto.password);
  }

  @Delete(':id/totp')
  @HttpCode(204)
  @ApiOperation({
    summary: "Reset a user's second factor",
    description:
      'Removes their TOTP second factor (on or pending) with its recovery codes, and their ' +
      'passkeys, for a user who lost both; their next password login needs no code, and they ' +
      'may enrol again.',
  })
  @userId()
  @ApiNoContentResponse({ description: 'Reset (also when none was on)' })
  @ApiBadRequestResponse(badRequest)
  @ApiNotFoundResponse(noSuchUser)
  async resetSecondFactor(
    @Actor() actor: RequestActor,
    @Param('id', PositiveIntPipe) id: number,
  ): Promise<void> {
    await this.users.resetSecondFactor(actor, id);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a user, with their user tokens, sessions and group memberships',
  })
  @userId()
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiBadRequestResponse(badRequest)
  @ApiNotFoundResponse(noSuchUser)
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'Deleting oneself' })
  remove(@Actor() actor: RequestActor, @Param('id', PositiveIntPipe) id: number): Promise<void> {
    return this.users.remove(actor, id);
  }
}
