import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional } from 'class-validator';
import { queryBoolean } from '../../common/validation/query-values.js';
import type { ImportSummary, RefusedLine } from '../../user-store/import/users-import.service.js';

export class ImportQueryDto {
  @ApiPropertyOptional({
    type: Boolean,
    description:
      'true: update users whose name exists (left out or false: their lines are skipped), such as update=true',
  })
  @IsOptional()
  @Transform(queryBoolean)
  @IsBoolean()
  update?: boolean;
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
    example: 'passwordHash has 20,000,000 pbkdf2 iterations: 1 to 10,000,000 are taken',
  })
  message: string;
}

export class ImportSummaryDto implements ImportSummary {
  @ApiProperty({ example: 998, description: 'Users created, or updated with update=true' })
  imported: number;
  @ApiProperty({ example: 1, description: 'Lines naming an existing user, without update=true' })
  skipped: number;
  @ApiProperty({ example: 1, description: 'Lines refused whole: nothing of them was stored' })
  refused: number;
  @ApiProperty({ type: [RefusedLineDto], description: 'The first 1,000 refused lines' })
  refusedLines: RefusedLineDto[];
}
