import { ApiProperty } from '@nestjs/swagger';

/** A user token as listed: its metadata, never its value or hash. */
export class UserTokenSummaryDto {
  @ApiProperty({ example: 17 }) id: number;
  @ApiProperty({ type: String, example: 'CI pipeline', nullable: true }) note: string | null;
  @ApiProperty({ example: '2026-11-01T09:30:00.000Z', format: 'date-time' }) creationTime: string;
  @ApiProperty({
    type: String,
    example: '2026-11-23T15:59:00.000Z',
    format: 'date-time',
    nullable: true,
  })
  lastUsageTime: string | null;
  @ApiProperty({
    type: String,
    example: '2027-01-01T00:00:00.000Z',
    format: 'date-time',
    nullable: true,
  })
  expirationTime: string | null;
  @ApiProperty({ example: true }) enabled: boolean;
  @ApiProperty({ example: 0 }) version: number;
}

/** A session as listed: its sid and client, never its secret or hash. */
export class SessionSummaryDto {
  @ApiProperty({ example: 12345, description: 'The sid' }) sid: number;
  @ApiProperty({ example: '2026-11-23T08:00:00.000Z', format: 'date-time' }) createdAt: string;
  @ApiProperty({
    example: '2026-11-23T15:58:00.000Z',
    format: 'date-time',
    description: 'Recorded at most once a minute',
  })
  lastSeenAt: string;
  @ApiProperty({ type: String, example: '203.0.113.7', nullable: true }) clientAddress:
    string | null;
  @ApiProperty({ type: String, example: 'Mozilla/5.0 (X11; Linux x86_64)', nullable: true })
  userAgent: string | null;
}
