import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import type { StreamStatus } from '../../security-events/entities/ssf-stream.entity.js';

const STATUSES: readonly StreamStatus[] = ['enabled', 'paused', 'disabled'];
const EXAMPLE_STREAM_ID = 'f67e39a0-3d5c-4c6f-8f55-1a7c9c1b2e3d';

/** `POST /ssf/status` (SSF 1.0 §8.1.2.2). */
export class UpdateStatusDto {
  @ApiProperty({ example: EXAMPLE_STREAM_ID, maxLength: 64 })
  @IsDefined()
  @IsString()
  @MaxLength(64)
  stream_id: string;

  @ApiProperty({
    enum: STATUSES,
    example: 'paused',
    description: 'paused keeps the events for later; disabled drops them and records no more',
  })
  @IsDefined()
  @IsIn(STATUSES)
  status: StreamStatus;

  @ApiPropertyOptional({ example: 'Maintenance window', maxLength: 256 })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  reason?: string;
}

/** A stream's status (SSF 1.0 §8.1.2). */
export class StreamStatusDto {
  @ApiProperty({ example: EXAMPLE_STREAM_ID }) stream_id: string;
  @ApiProperty({ enum: STATUSES, example: 'paused' }) status: StreamStatus;
  @ApiPropertyOptional({ example: 'Maintenance window' }) reason?: string;
}

/** `POST /ssf/verify` (SSF 1.0 §8.1.4.2). */
export class VerifyStreamDto {
  @ApiProperty({ example: EXAMPLE_STREAM_ID, maxLength: 64 })
  @IsDefined()
  @IsString()
  @MaxLength(64)
  stream_id: string;

  @ApiPropertyOptional({
    example: 'VGhpcyBpcyBhbiBleGFtcGxlIHN0YXRlIHZhbHVlLgo=',
    maxLength: 256,
    description: 'Echoed in the verification event, for the receiver to match it',
  })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  state?: string;
}
