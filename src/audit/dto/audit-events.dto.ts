import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { PageQueryDto } from '../../common/validation/page-query.dto.js';
import { DEFAULT_PAGE_SIZE, queryInteger } from '../../common/validation/query-values.js';
import { IsIn, IsInt, IsISO8601, IsOptional, Matches, Max, Min } from 'class-validator';
import { INT32_MAX } from '../../common/validation/positive-int.pipe.js';
import { AUDIT_EVENT_TYPES, AUDIT_OUTCOMES } from '../audit-event-types.js';

const ISO_TIME = { strict: true, strictSeparator: true };

export class ListAuditEventsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    enum: AUDIT_EVENT_TYPES,
    description: 'Only events of this type, such as login; every type when left out',
  })
  @IsOptional()
  @IsIn(AUDIT_EVENT_TYPES)
  type?: (typeof AUDIT_EVENT_TYPES)[number];

  @ApiPropertyOptional({
    enum: AUDIT_OUTCOMES,
    description: 'Only events of this outcome, such as failure; both when left out',
  })
  @IsOptional()
  @IsIn(AUDIT_OUTCOMES)
  outcome?: (typeof AUDIT_OUTCOMES)[number];

  @ApiPropertyOptional({
    type: Number,
    minimum: 1,
    description: 'Only events of the user with this id, such as 42',
  })
  @IsOptional()
  @Transform(queryInteger)
  @IsInt()
  @Min(1)
  @Max(INT32_MAX)
  userId?: number;

  @ApiPropertyOptional({
    description:
      'Only events through this API: security, user-token, rest-auth, jwt, session, admin, self-service or cli',
  })
  @IsOptional()
  @Matches(/^[a-z-]{1,32}$/, { message: 'api must be an API name such as session or jwt' })
  api?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'Only events at or after this time (ISO 8601), such as 2026-11-23T00:00:00Z',
  })
  @IsOptional()
  @IsISO8601(ISO_TIME, { message: 'from must be an ISO 8601 time' })
  from?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'Only events before this time (ISO 8601), such as 2026-11-24T00:00:00Z',
  })
  @IsOptional()
  @IsISO8601(ISO_TIME, { message: 'to must be an ISO 8601 time' })
  to?: string;

  @ApiPropertyOptional({
    type: Number,
    minimum: 1,
    description:
      'Cursor: only events with a smaller id (give the previous page’s nextBefore, such as 1201)',
  })
  @IsOptional()
  @Transform(queryInteger)
  @IsInt()
  @Min(1)
  @Max(INT32_MAX)
  before?: number;
}

export class AuditEventDto {
  @ApiProperty({ example: 1234 }) id: number;
  @ApiProperty({ example: '2026-11-23T16:20:54.123Z', format: 'date-time' }) time: string;
  @ApiProperty({ enum: AUDIT_EVENT_TYPES, example: 'login' }) type: string;
  @ApiProperty({ enum: AUDIT_OUTCOMES, example: 'failure' }) outcome: string;
  @ApiProperty({ example: 'jwt', nullable: true, type: String }) api: string | null;
  @ApiProperty({ example: 42, nullable: true, type: Number }) userId: number | null;
  @ApiProperty({
    example: 'alice',
    nullable: true,
    type: String,
    description: 'The name as given, also for names no user has',
  })
  username: string | null;
  @ApiProperty({
    example: null,
    nullable: true,
    type: Number,
    description: 'Who did it, when not the user (the admin of an admin change)',
  })
  actorId: number | null;
  @ApiProperty({ example: '203.0.113.7', nullable: true, type: String }) address: string | null;
  @ApiProperty({ example: 'curl/8.5.0', nullable: true, type: String }) agent: string | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: { oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] },
    nullable: true,
    example: { method: 'password', reason: 'wrong-password' },
    description: 'What else is known; never a secret',
  })
  detail: Record<string, string | number | boolean | null> | null;
}

export class AuditEventPageDto {
  @ApiProperty({ type: [AuditEventDto] }) items: AuditEventDto[];
  @ApiProperty({ example: DEFAULT_PAGE_SIZE }) limit: number;
  @ApiProperty({ example: 0 }) offset: number;
  @ApiProperty({
    example: 1185,
    nullable: true,
    type: Number,
    description: 'The `before` of the next (older) page; null when this page is the last',
  })
  nextBefore: number | null;
}
