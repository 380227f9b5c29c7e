import { Body, Controller, Header, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { Dialect } from '../common/decorators/dialect.decorator.js';
import type { ServiceClient } from '../credentials/service-clients/entities/service-client.entity.js';
import { PollRequestDto, PollResponseDto } from './dto/poll.dto.js';
import { SsfErrorDto } from './dto/ssf-error.dto.js';
import { PollService } from './poll.service.js';
import { Receiver, ReceiverAccess } from './receiver-access.decorator.js';
import { ResponseClosed } from './response-closed.decorator.js';

/** Poll delivery (RFC 8936), at the endpoint_url of a polled stream. */
@ApiTags('Shared Signals')
@ReceiverAccess()
@Dialect('ssf')
@Controller('ssf/poll')
export class PollController {
  constructor(private readonly polls: PollService) {}

  @Post(':streamId')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Poll the stream’s events (RFC 8936)',
    description:
      'Acknowledges (ack) or refuses (setErrs) the SETs received, then answers the oldest ' +
      'still owed, by jti: a SET keeps its jti until acknowledged. With returnImmediately ' +
      'false (the default) and none owed, waits up to 30 seconds for one. A paused stream, or ' +
      'one delivered by push, answers none.',
  })
  @ApiParam({ name: 'streamId', description: 'The stream_id, as its endpoint_url names it' })
  @ApiOkResponse({ type: PollResponseDto })
  @ApiBadRequestResponse({ description: 'A body RFC 8936 does not allow', type: SsfErrorDto })
  @ApiNotFoundResponse({ description: 'The client has no stream of this id', type: SsfErrorDto })
  poll(
    @Receiver() client: ServiceClient,
    @Param('streamId') streamId: string,
    @Body() body: PollRequestDto,
    @ResponseClosed() closed: AbortSignal,
  ): Promise<PollResponseDto> {
    return this.polls.poll(client, streamId, body, closed);
  }
}
