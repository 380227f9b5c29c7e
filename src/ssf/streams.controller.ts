import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Patch,
  Post,
  Put,
  Query,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { Dialect } from '../common/decorators/dialect.decorator.js';
import type { ServiceClient } from '../credentials/service-clients/entities/service-client.entity.js';
import { SsfErrorDto } from './dto/ssf-error.dto.js';
import {
  CreateStreamDto,
  ReplaceStreamDto,
  RequiredStreamQueryDto,
  StreamConfigurationDto,
  StreamQueryDto,
  UpdateStreamDto,
} from './dto/stream-configuration.dto.js';
import { StreamStatusDto, UpdateStatusDto, VerifyStreamDto } from './dto/stream-status.dto.js';
import { Receiver, ReceiverAccess } from './receiver-access.decorator.js';
import { StreamsService } from './streams.service.js';

const badBody = { description: 'A body or query the API does not take', type: SsfErrorDto };
const noStream = {
  description: 'The client has no stream of this id (another client’s is none either)',
  type: SsfErrorDto,
};

/**
 * Stream management (SSF 1.0 §8.1): a receiver's one stream, its status and its verification.
 * Each route acts for the authenticated client, on its own stream only.
 */
@ApiTags('Shared Signals')
@ApiExtraModels(StreamConfigurationDto)
@ReceiverAccess()
@Dialect('ssf')
@Controller('ssf')
export class StreamsController {
  constructor(private readonly streams: StreamsService) {}

  @Post('streams')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Create the client’s stream',
    description:
      'One stream per client. Push (urn:ietf:rfc:8935) needs an http(s) endpoint_url and may ' +
      'name the Authorization header each push carries (kept sealed, never shown again); poll ' +
      '(urn:ietf:rfc:8936) is answered with the URL to poll.',
  })
  @ApiCreatedResponse({ type: StreamConfigurationDto })
  @ApiBadRequestResponse(badBody)
  @ApiConflictResponse({ description: 'The client has a stream already', type: SsfErrorDto })
  create(
    @Receiver() client: ServiceClient,
    @Body() body: CreateStreamDto,
  ): Promise<StreamConfigurationDto> {
    return this.streams.create(client, body);
  }

  @Get('streams')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Read the client’s stream',
    description: 'With stream_id, that stream; without, the list of the client’s streams.',
  })
  @ApiOkResponse({
    schema: {
      oneOf: [
        { $ref: getSchemaPath(StreamConfigurationDto) },
        { type: 'array', items: { $ref: getSchemaPath(StreamConfigurationDto) } },
      ],
    },
  })
  @ApiBadRequestResponse(badBody)
  @ApiNotFoundResponse(noStream)
  read(
    @Receiver() client: ServiceClient,
    @Query() query: StreamQueryDto,
  ): Promise<StreamConfigurationDto | StreamConfigurationDto[]> {
    return this.streams.read(client, query.stream_id);
  }

  @Patch('streams')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Update the client’s stream',
    description:
      'Only what the body gives changes; a delivery of the same method keeps what it leaves out.',
  })
  @ApiOkResponse({ type: StreamConfigurationDto })
  @ApiBadRequestResponse(badBody)
  @ApiNotFoundResponse(noStream)
  update(
    @Receiver() client: ServiceClient,
    @Body() body: UpdateStreamDto,
  ): Promise<StreamConfigurationDto> {
    return this.streams.update(client, body);
  }

  @Put('streams')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Replace the client’s stream',
    description: 'What the body leaves out goes back to its default, as for a new stream.',
  })
  @ApiOkResponse({ type: StreamConfigurationDto })
  @ApiBadRequestResponse(badBody)
  @ApiNotFoundResponse(noStream)
  replace(
    @Receiver() client: ServiceClient,
    @Body() body: ReplaceStreamDto,
  ): Promise<StreamConfigurationDto> {
    return this.streams.replace(client, body);
  }

  @Delete('streams')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete the client’s stream',
    description: 'The events still owed to it go with it.',
  })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiBadRequestResponse(badBody)
  @ApiNotFoundResponse(noStream)
  remove(@Receiver() client: ServiceClient, @Query() query: RequiredStreamQueryDto): Promise<void> {
    return this.streams.remove(client, query.stream_id);
  }

  @Get('status')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Read the stream’s status (SSF 1.0 §8.1.2.1)' })
  @ApiOkResponse({ type: StreamStatusDto })
  @ApiBadRequestResponse(badBody)
  @ApiNotFoundResponse(noStream)
  status(
    @Receiver() client: ServiceClient,
    @Query() query: RequiredStreamQueryDto,
  ): Promise<StreamStatusDto> {
    return this.streams.status(client, query.stream_id);
  }

  @Post('status')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Enable, pause or disable the stream (SSF 1.0 §8.1.2.2)',
    description:
      'paused keeps the events owed and delivers them once enabled again; disabled drops them ' +
      'and owes the stream nothing until it is enabled.',
  })
  @ApiOkResponse({ type: StreamStatusDto })
  @ApiBadRequestResponse(badBody)
  @ApiNotFoundResponse(noStream)
  setStatus(
    @Receiver() client: ServiceClient,
    @Body() body: UpdateStatusDto,
  ): Promise<StreamStatusDto> {
    return this.streams.setStatus(client, body);
  }

  @Post('verify')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Ask for a verification event (SSF 1.0 §8.1.4.2)',
    description:
      'A verification event carrying the state goes to this stream alone, by push or poll like ' +
      'any other event.',
  })
  @ApiNoContentResponse({ description: 'Recorded' })
  @ApiBadRequestResponse(badBody)
  @ApiNotFoundResponse(noStream)
  @ApiTooManyRequestsResponse({
    description: 'Asked again within min_verification_interval; Retry-After says when to',
    type: SsfErrorDto,
  })
  verify(@Receiver() client: ServiceClient, @Body() body: VerifyStreamDto): Promise<void> {
    return this.streams.verify(client, body.stream_id, body.state);
  }
}
