import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { INT32_MAX } from './positive-int.pipe.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, queryInteger } from './query-values.js';

/** `limit` and `offset` of every paged listing, as query parameters. */
export class PageQueryDto {
  @ApiPropertyOptional({
    type: Number,
    minimum: 1,
    maximum: MAX_PAGE_SIZE,
    default: DEFAULT_PAGE_SIZE,
  })
  @IsOptional()
  @Transform(queryInteger)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number;

  @ApiPropertyOptional({ type: Number, minimum: 0, default: 0 })
  @IsOptional()
  @Transform(queryInteger)
  @IsInt()
  @Min(0)
  @Max(INT32_MAX)
  offset?: number;
}
