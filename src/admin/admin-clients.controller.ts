import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { Dialect } from '../common/decorators/dialect.decorator.js';
import { ErrorResponseDto } from '../common/dialects/error-response.dto.js';
import { Authenticated } from '../identity/authenticated.decorator.js';
import { Actor, actorFields, type RequestActor } from '../identity/request-actor.decorator.js';
import {
  CreateServiceClientDto,
  IssuedClientDto,
  ServiceClientDto,
  UpdateServiceClientDto,
} from '../credentials/service-clients/dto/service-client.dto.js';
import {
  type ClientChangeActor,
  ServiceClientsService,
} from '../credentials/service-clients/service-clients.service.js';

const clientIdParam = () =>
  ApiParam({
    name: 'clientId',
    type: String,
    description: 'The client id, such as Zk3mQ0x8v1b2TqXw9rLs4A',
  });
const badRequest = { type: ErrorResponseDto, description: 'A malformed body' };
const noSuchClient = { type: ErrorResponseDto, description: 'No service client has this id' };

function adminActor(actor: RequestActor): ClientChangeActor {
  return { api: 'admin', ...actorFields(actor) };
}

/** The service clients that may introspect and revoke tokens (RFC 7662, RFC 7009). */
@ApiTags('Administration')
@Dialect('default')
@Authenticated('admin')
@Controller('api/admin/clients')
export class AdminClientsController {
  constructor(private readonly clients: ServiceClientsService) {}

  @Post()
  @ApiOperation({
    summary: 'Register a service client',
    description: 'The secret is in this answer only: Gatehouse keeps its SHA-256.',
  })
  @ApiCreatedResponse({ type: IssuedClientDto })
  @ApiBadRequestResponse(badRequest)
  create(
    @Actor() actor: RequestActor,
    @Body() dto: CreateServiceClientDto,
  ): Promise<IssuedClientDto> {
    return this.clients.create(adminActor(actor), dto.name);
  }

  @Get()
  @ApiOperation({ summary: 'List the service clients (never their secrets)' })
  @ApiOkResponse({ type: ServiceClientDto, isArray: true })
  list(): Promise<ServiceClientDto[]> {
    return this.clients.list();
  }

  @Patch(':clientId')
  @ApiOperation({ summary: 'Enable or disable a service client' })
  @clientIdParam()
  @ApiOkResponse({ type: ServiceClientDto })
  @ApiBadRequestResponse(badRequest)
  @ApiNotFoundResponse(noSuchClient)
  update(
    @Actor() actor: RequestActor,
    @Param('clientId') clientId: string,
    @Body() dto: UpdateServiceClientDto,
  ): Promise<ServiceClientDto> {
    return this.clients.setEnabled(adminActor(actor), clientId, dto.enabled);
  }

  @Post(':clientId/secret')
  @ApiOperation({
    summary: 'Give a service client a new secret',
    description: 'The old secret stops working at once; the new one is in this answer only.',
  })
  @clientIdParam()
  @ApiCreatedResponse({ type: IssuedClientDto })
  @ApiNotFoundResponse(noSuchClient)
  rotateSecret(
    @Actor() actor: RequestActor,
    @Param('clientId') clientId: string,
  ): Promise<IssuedClientDto> {
    return this.clients.rotateSecret(adminActor(actor), clientId);
  }

  @Delete(':clientId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a service client' })
  @clientIdParam()
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiNotFoundResponse(noSuchClient)
  remove(@Actor() actor: RequestActor, @Param('clientId') clientId: string): Promise<void> {
    return this.clients.remove(adminActor(actor), clientId);
  }
}
