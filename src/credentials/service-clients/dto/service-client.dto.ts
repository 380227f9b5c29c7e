import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsDefined, IsString, Matches } from 'class-validator';

/** A name that metrics can carry as a label value and logs as a plain word. */
const CLIENT_NAME = /^[A-Za-z0-9._-]{1,64}$/;

export class CreateServiceClientDto {
  @ApiProperty({
    description: 'The service’s name, as metrics and the audit trail name it',
    example: 'orders',
    pattern: CLIENT_NAME.source,
    minLength: 1,
    maxLength: 64,
  })
  @IsDefined()
  @IsString()
  @Matches(CLIENT_NAME, {
    message: 'name must be 1 to 64 letters, digits, dots, dashes or underscores',
  })
  name: string;
}

export class UpdateServiceClientDto {
  @ApiProperty({
    description:
      'A disabled client can neither introspect, revoke nor get a token; the tokens it has end, ' +
      'and enabling it again brings none back',
    example: false,
  })
  @IsDefined()
  @IsBoolean()
  enabled: boolean;
}

export class IssuedClientDto {
  @ApiProperty({ example: 'Zk3mQ0x8v1b2TqXw9rLs4A' }) clientId: string;

  @ApiProperty({
    description: 'Shown this once: Gatehouse keeps only its SHA-256',
    example: 'r2D9Qm0dWg3b0Yk4c7kq2iQmJ9uS6m0Jf8r1q2X3y4Z',
  })
  clientSecret: string;

  @ApiProperty({ example: 'orders' }) name: string;
}

export class ServiceClientDto {
  @ApiProperty({ example: 'Zk3mQ0x8v1b2TqXw9rLs4A' }) clientId: string;
  @ApiProperty({ example: 'orders' }) name: string;
  @ApiProperty({ example: true }) enabled: boolean;
  @ApiProperty({ format: 'date-time', example: '2026-01-01T00:00:00.000Z' }) createdAt: string;
  @ApiProperty({ format: 'date-time', example: '2026-01-01T00:00:00.000Z' }) updatedAt: string;
}
