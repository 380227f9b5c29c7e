import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional } from 'class-validator';
import { queryBoolean } from '../../common/validation/query-values.js';
import type {
  ImportSummary,
  NameMatch,
  RefusedLine,
} from '../../user-store/import/users-import.service.js';

// No examples on these switches: Swagger UI would send an example's value with every try.
export class ImportQueryDto {
  @ApiPropertyOptional({
    type: Boolean,
    description:
      'true: update users whose name exists (admins only with updateAdmins=true); left out or ' +
      'false: their lines are skipped. Such as update=true',
  })
  @IsOptional()
  @Transform(queryBoolean)
  @IsBoolean()
  update?: boolean;

  @ApiPropertyOptional({
    type: Boolean,
    description: 'true: update admins too (implies update=true); otherwise their lines are skipped',
  })
  @IsOptional()
  @Transform(queryBoolean)
  @IsBoolean()
  updateAdmins?: boolean;

  @ApiPropertyOptional({
    type: Boolean,
    description: 'true: check every line and answer the summary an import would, writing nothing',
  })
  @IsOptional()
  @Transform(queryBoolean)
  @IsBoolean()
  dryRun?: boolean;
}

export class RefusedLineDto implements RefusedLine {
  @ApiProperty({ example: 3, description: 'The line number, from 1' }) line: number;
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'passwordHash',
    description: 'The field at fault; null when the line as a whole is (not JSON, too long)',
  })
  field: string | null;
  @ApiProperty({
    example: 'passwordHash has 2,000,000 pbkdf2 sha256 iterations: 1 to 1,300,000 are taken',
  })
  message: string;
}

export class NameMatchDto implements NameMatch {
  @ApiProperty({ example: 2, description: 'The line number, from 1' }) line: number;
  @ApiProperty({ example: 'Hawk', description: 'The name as the line spells it' }) given: string;
  @ApiProperty({
    example: 'hawk',
    description: 'The existing user it folds onto (case, NFKC), whose name stays',
  })
  stored: string;
}

export class ImportSummaryDto implements ImportSummary {
  @ApiProperty({ example: 996, description: 'Users created' }) created: number;
  @ApiProperty({ example: 1, description: 'Existing users changed (update=true)' })
  updated: number;
  @ApiProperty({
    example: 1,
    description: 'Existing users the line leaves as they are (update=true)',
  })
  unchanged: number;
  @ApiProperty({
    example: 1,
    description:
      'Lines naming an existing user without update=true, or an admin without updateAdmins=true',
  })
  skipped: number;
  @ApiProperty({ example: 1, description: 'Lines refused whole: nothing of them was stored' })
  refused: number;
  @ApiProperty({
    type: [NameMatchDto],
    description: 'The first 1,000 lines whose name matched an existing user spelled otherwise',
  })
  matched: NameMatchDto[];
  @ApiProperty({
    type: [String],
    example: ['hawk'],
    description: 'The first 100 users updated, by their names; `updated` counts them all',
  })
  updatedUsers: string[];
  @ApiProperty({
    type: [String],
    example: ['root'],
    description: 'The first 100 users skipped, by their names; `skipped` counts them all',
  })
  skippedUsers: string[];
  @ApiProperty({ type: [RefusedLineDto], description: 'The first 1,000 refused lines' })
  refusedLines: RefusedLineDto[];
}
