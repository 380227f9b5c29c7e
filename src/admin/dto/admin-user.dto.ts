import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { UpdateProfileDto } from '../../identity/dto/profile.dto.js';
import { PageQueryDto } from '../../common/validation/page-query.dto.js';
import { DEFAULT_PAGE_SIZE, queryBoolean } from '../../common/validation/query-values.js';
import {
  ArrayMaxSize,
  Equals,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import { ProfileDto } from '../../identity/dto/profile.dto.js';
import { INT32_MAX } from '../../common/validation/positive-int.pipe.js';
import { PRIVILEGES } from '../../user-store/entities/user.entity.js';

/** Group memberships one request may set. */
const MAX_GROUPS = 1000;

/** Present and not null: for fields that may be left out but not cleared. */
const isGiven = (_: object, value: unknown) => value !== undefined;

/** A user as an admin sees them: the profile, with whether they may sign in. */
export class AdminUserDto extends ProfileDto {
  @ApiProperty({ example: true }) enabled: boolean;
  @ApiProperty({
    type: String,
    example: null,
    nullable: true,
    format: 'date-time',
    description: 'Until when failed logins lock the account, if they do',
  })
  lockedUntil: string | null;
}

export class UserPageDto {
  @ApiProperty({ type: [AdminUserDto] }) items: AdminUserDto[];
  @ApiProperty({ example: 1, description: 'How many users match, over all pages' }) total: number;
  @ApiProperty({ example: DEFAULT_PAGE_SIZE }) limit: number;
  @ApiProperty({ example: 0 }) offset: number;
}

export class ListUsersQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    description: 'Only users whose name starts with this, compared case-insensitively, such as ha',
    maxLength: 64,
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  @Matches(/^[^\0]*$/, { message: 'q must not contain NUL characters' })
  q?: string;

  @ApiPropertyOptional({
    enum: PRIVILEGES,
    description: 'Only users of this privilege, such as admin; both when left out',
  })
  @IsOptional()
  @IsIn(PRIVILEGES)
  privilege?: (typeof PRIVILEGES)[number];

  @ApiPropertyOptional({
    type: Boolean,
    description: 'Only enabled (true) or disabled (false) users; both when left out',
  })
  @IsOptional()
  @Transform(queryBoolean)
  @IsBoolean()
  enabled?: boolean;
}

/**
 * What an admin may change of a user: the profile a user may change of their own, and more;
 * fields left out stay, null clears the nullable ones.
 */
export class UpdateUserDto extends UpdateProfileDto {
  @ApiPropertyOptional({ enum: PRIVILEGES, example: 'admin' })
  @ValidateIf(isGiven)
  @IsIn(PRIVILEGES)
  privilege?: (typeof PRIVILEGES)[number];

  @ApiPropertyOptional({
    type: String,
    example: 'read write',
    nullable: true,
    description: "Space-separated JWT scopes; null returns to the privilege's default",
  })
  @IsOptional()
  @IsString()
  scope?: string | null;

  @ApiPropertyOptional({
    type: [Number],
    example: [3, 5],
    description: 'The ids of every group the user is to be in',
  })
  @ValidateIf(isGiven)
  @IsArray()
  @ArrayMaxSize(MAX_GROUPS)
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(INT32_MAX, { each: true })
  groups?: number[];

  /**
   * Not a field an admin sets: a login key is the owner's to add. Kept here only so that a body
   * naming it is refused rather than silently stripped.
   */
  @ValidateIf(isGiven)
  @Equals(undefined, {
    message:
      'publicKey cannot be set by an admin: the user adds their own key, and an admin removes one with DELETE /api/admin/users/{id}/public-key',
  })
  publicKey?: never;

  @ApiPropertyOptional({
    example: false,
    description: 'false ends every user token and session of the user at once',
  })
  @ValidateIf(isGiven)
  @IsBoolean()
  enabled?: boolean;
}

export class SetGroupsDto {
  @ApiProperty({
    type: [Number],
    example: [3, 5],
    description: 'The ids of every group of the user',
  })
  @IsDefined()
  @IsArray()
  @ArrayMaxSize(MAX_GROUPS)
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(INT32_MAX, { each: true })
  groups: number[];
}

export class ResetPasswordDto {
  @ApiProperty({
    example: 'newpwd-2020',
    description: 'PASSWORD_MIN_LENGTH characters to 72 bytes',
  })
  @IsDefined()
  @IsString()
  @MaxLength(1024)
  password: string;
}
