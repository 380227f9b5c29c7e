import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ErrorResponseDto } from '../common/dialects/error-response.dto.js';
import { Authenticated } from '../identity/authenticated.decorator.js';
import { AuditService } from '../audit/audit.service.js';
import { AuditEventPageDto, ListAuditEventsQueryDto } from '../audit/dto/audit-events.dto.js';

@ApiTags('Administration')
@Controller('api/admin/audit-events')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @Authenticated('admin')
  @ApiOperation({
    summary:
      'List audit events (logins, token issue and revocation, sessions, admin changes), newest first',
  })
  @ApiOkResponse({
    type: AuditEventPageDto,
    example: {
      items: [
        {
          id: 1201,
          time: '2026-11-23T16:20:54.123Z',
          type: 'login',
          outcome: 'failure',
          api: 'jwt',
          userId: 42,
          username: 'alice',
          actorId: null,
          address: '203.0.113.7',
          agent: 'curl/8.5.0',
          detail: { method: 'password', reason: 'wrong-password' },
        },
      ],
      limit: 50,
      offset: 0,
      nextBefore: null,
    },
  })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'A filter or paging value is invalid',
  })
  list(@Query() query: ListAuditEventsQueryDto): Promise<AuditEventPageDto> {
    return this.audit.list(query);
  }
}
