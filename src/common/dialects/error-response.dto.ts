import { ApiProperty } from '@nestjs/swagger';

/** The default dialect's error body, as the administration and self-service routes answer. */
export class ErrorResponseDto {
  @ApiProperty({ example: 404 }) statusCode: number;
  @ApiProperty({ example: 'No user has this id' }) message: string;
  @ApiProperty({ example: 'Not Found' }) error: string;
}
