import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
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
import { AdminGroupsService } from './admin-groups.service.js';
import { Authenticated } from '../identity/authenticated.decorator.js';
import { AdminGroupDto, CreateGroupDto, UpdateGroupDto } from './dto/admin-group.dto.js';

const groupId = () => ApiParam({ name: 'id', type: Number, description: 'The group id' });
const badRequest = { type: ErrorResponseDto, description: 'A malformed id or body' };
const noSuchGroup = { type: ErrorResponseDto, description: 'No group has this id (or parentId)' };

@ApiTags('Administration')
@Dialect('default')
@Authenticated('admin')
@Controller('api/admin/groups')
export class AdminGroupsController {
  constructor(private readonly groups: AdminGroupsService) {}

  @Get()
  @ApiOperation({ summary: 'The group tree: root groups, each with its subgroups' })
  @ApiOkResponse({ type: [AdminGroupDto] })
  tree(): Promise<AdminGroupDto[]> {
    return this.groups.tree();
  }

  @Post()
  @ApiOperation({ summary: 'Create a group, at the root or under a parent' })
  @ApiCreatedResponse({ type: AdminGroupDto })
  @ApiBadRequestResponse(badRequest)
  @ApiNotFoundResponse(noSuchGroup)
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'A group with this name exists' })
  create(@Actor() actor: RequestActor, @Body() dto: CreateGroupDto): Promise<AdminGroupDto> {
    return this.groups.create(actor, dto);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Rename a group, or move it in the tree (parentId null: to the root)' })
  @groupId()
  @ApiOkResponse({ type: AdminGroupDto })
  @ApiBadRequestResponse(badRequest)
  @ApiNotFoundResponse(noSuchGroup)
  @ApiConflictResponse({
    type: ErrorResponseDto,
    description: 'The name is taken, or the move would put the group under itself',
  })
  update(
    @Actor() actor: RequestActor,
    @Param('id', PositiveIntPipe) id: number,
    @Body() dto: UpdateGroupDto,
  ): Promise<AdminGroupDto> {
    return this.groups.update(actor, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a group that has no subgroups and no users' })
  @groupId()
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiBadRequestResponse(badRequest)
  @ApiNotFoundResponse(noSuchGroup)
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'The group has subgroups or users' })
  remove(@Actor() actor: RequestActor, @Param('id', PositiveIntPipe) id: number): Promise<void> {
    return this.groups.remove(actor, id);
  }
}
