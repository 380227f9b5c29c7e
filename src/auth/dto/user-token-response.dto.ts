import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The UserToken object model of the user-token API. */
export class UserTokenDto {
  @ApiPropertyOptional({ example: 'Client API Access' }) note?: string;
  @ApiPropertyOptional({ example: '2019-07-29T23:59:59.000Z' }) expirationTime?: string;
  @ApiProperty({ example: '2018-07-29T16:59:29.000Z' }) creationTime: string;
  @ApiPropertyOptional({ example: '2018-07-29T17:15:51.000Z' }) lastUsageTime?: string;
  @ApiProperty({ example: true }) enabled: boolean;

  @ApiPropertyOptional({
    example: 'b94cf5c7-cddc-4610-9d4c-6b8e04088ae8',
    description: 'Only in the login response: it is stored as a hash and cannot be shown again',
  })
  token?: string;

  @ApiProperty({ example: 0 }) version: number;
}

export class BumpResponseDto {
  @ApiProperty({ example: '2018-07-29T17:15:51.000Z' }) lastLoginTime: string;
}

export class LogoutResponseDto {
  @ApiProperty({ example: true }) success: boolean;
}
