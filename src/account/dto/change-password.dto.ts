import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsOptional, IsString, MaxLength } from 'class-validator';
import { SECOND_FACTOR_CODE_DOC } from '../../credentials/second-factor/dto/second-factor.dto.js';

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

  @ApiPropertyOptional({
    ...SECOND_FACTOR_CODE_DOC,
    description: `${SECOND_FACTOR_CODE_DOC.description}; needed while my second factor is on`,
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  code?: string;
}
