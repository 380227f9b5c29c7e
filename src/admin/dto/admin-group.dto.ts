import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsDefined,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import { INT32_MAX } from '../../common/validation/positive-int.pipe.js';

/** 1–128 characters, not blank. */
const GROUP_NAME = /\S/;

export class AdminGroupDto {
  @ApiProperty({ example: 3 }) id: number;
  @ApiProperty({ example: 'engineering' }) name: string;
  @ApiProperty({ type: String, example: 'Everyone who builds things', nullable: true })
  description: string | null;
  @ApiProperty({
    type: Number,
    example: null,
    nullable: true,
    description: 'null for a root group',
  })
  parentId: number | null;
  @ApiProperty({ example: 12, description: 'Users directly in this group' }) userCount: number;
  @ApiProperty({ type: () => [AdminGroupDto] }) children: AdminGroupDto[];
}

export class CreateGroupDto {
  @ApiProperty({ example: 'engineering', maxLength: 128, description: 'Unique' })
  @IsDefined()
  @IsString()
  @MaxLength(128)
  @Matches(GROUP_NAME, { message: 'name must not be blank' })
  name: string;

  @ApiPropertyOptional({
    type: String,
    example: 'Everyone who builds things',
    nullable: true,
    maxLength: 1024,
  })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  description?: string | null;

  @ApiPropertyOptional({
    type: Number,
    example: 1,
    nullable: true,
    description: 'The parent group; none for a root',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(INT32_MAX)
  parentId?: number | null;
}

export class UpdateGroupDto {
  @ApiPropertyOptional({ example: 'platform', maxLength: 128 })
  @ValidateIf((_, value) => value !== undefined)
  @IsString()
  @MaxLength(128)
  @Matches(GROUP_NAME, { message: 'name must not be blank' })
  name?: string;

  @ApiPropertyOptional({
    type: String,
    example: 'Runs the platform',
    nullable: true,
    maxLength: 1024,
  })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  description?: string | null;

  @ApiPropertyOptional({
    type: Number,
    example: 1,
    nullable: true,
    description: 'Moves the group under this one; null makes it a root',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(INT32_MAX)
  parentId?: number | null;
}
