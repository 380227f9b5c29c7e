import { ApiProperty } from '@nestjs/swagger';
import { IsDefined, IsString, MaxLength } from 'class-validator';
import { OwnerCode } from './owner-proof.dto.js';

export class ChangePasswordDto {
  @ApiProperty({ example: 'correct-horse-battery', description: 'The current password' })
  @IsDefined()
  @IsString()
  @MaxLength(1024)
  oldPassword: string;

  @ApiProperty({
    example: 'newpwd-2020',
    description: 'PASSWORD_MIN_LENGTH characters to 72 bytes',
  })
  @IsDefined()
  @IsString()
  @MaxLength(1024)
  newPassword: string;

  @OwnerCode()
  code?: string;
}
