import { ApiProperty } from '@nestjs/swagger';

/** The Shared Signals API's error body (the shape RFC 8935 and RFC 8936 give errors). */
export class SsfErrorDto {
  @ApiProperty({ example: 'not_found', description: 'A code: invalid_request, not_found, …' })
  err: string;

  @ApiProperty({ example: 'This client has no stream with this stream_id' })
  description: string;
}
