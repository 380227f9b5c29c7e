import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsString, MaxLength } from 'class-validator';

/** The optional body of the user-token login. */
export class CreateUserTokenDto {
  @ApiPropertyOptional({ example: 'Client API Access' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  note?: string;

  @ApiPropertyOptional({
    example: '2019-07-29T23:59:59-05:00',
    description: 'ISO 8601, in the future',
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'expirationTime must be an ISO 8601 date and time' })
  expirationTime?: string;
}
