import { ApiProperty, ApiPropertyOptional, PickType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateIf,
} from 'class-validator';
import { CreateUserDto } from '../dto/create-user.dto.js';
import { PRIVILEGES } from '../entities/user.entity.js';

/** Groups one line may name; as many as an admin may set on a user at once. */
export const MAX_IMPORT_GROUPS = 1000;

/** Present and not null: for fields that may be left out but not cleared. */
const isGiven = (_: object, value: unknown) => value !== undefined;

/**
 * One line of an import (docs/migrating-users.md, "The file"): the username and profile fields
 * under the rules of registration (CreateUserDto's own), the hash as the former service stored it,
 * and what only an admin sets. Fields left out stay as they are on an existing user (with
 * --update); null clears a profile field or the scope.
 */
export class ImportUserLineDto extends PickType(CreateUserDto, [
  'username',
  'firstName',
  'lastName',
  'email',
  'description',
]) {
  @ApiProperty({
    example: 'pbkdf2:sha256:600000$Qm9yZWFzWWtDRk9E$9d1e…',
    description:
      'bcrypt ($2a$, $2b$, $2y$), Werkzeug pbkdf2:<sha1|sha256|sha512>:<iterations>$salt$hex or ' +
      'scrypt:<n>:<r>:<p>$salt$hex, or an argon2id PHC string',
  })
  @IsString()
  passwordHash: string;

  @ApiPropertyOptional({ enum: PRIVILEGES, example: 'user' })
  @ValidateIf(isGiven)
  @IsIn(PRIVILEGES)
  privilege?: (typeof PRIVILEGES)[number];

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: 'profile:read profile:write',
    description: "Space-separated JWT scopes; null or absent: the privilege's default",
  })
  @IsOptional()
  @IsString()
  scope?: string | null;

  @ApiPropertyOptional({
    type: [String],
    example: ['engineering'],
    description: 'Group names; a group missing is created at the root of the tree',
  })
  @ValidateIf(isGiven)
  @IsArray()
  @ArrayMaxSize(MAX_IMPORT_GROUPS)
  @IsString({ each: true })
  @MaxLength(128, { each: true })
  @Matches(/\S/, { each: true, message: 'groups must not hold a blank name' })
  groups?: string[];

  @ApiPropertyOptional({ example: true, description: 'Whether the user may sign in (true)' })
  @ValidateIf(isGiven)
  @IsBoolean()
  enabled?: boolean;
}

/** The fields a line may have: any other is refused, so that a typo (or `password`) is not lost. */
export const IMPORT_LINE_FIELDS: ReadonlySet<string> = new Set([
  'username',
  'passwordHash',
  'firstName',
  'lastName',
  'email',
  'description',
  'privilege',
  'scope',
  'groups',
  'enabled',
]);
