import { BadRequestException, Injectable, PipeTransform } from '@nestjs/common';

/** The largest id an integer column holds, on SQLite and PostgreSQL alike. */
export const INT32_MAX = 2_147_483_647;

/** A path id as a positive 32-bit integer, so that nothing out of the column's range reaches the database. */
@Injectable()
export class PositiveIntPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    const parsed = /^[1-9][0-9]{0,9}$/.test(value) ? Number(value) : NaN;
    if (!(parsed <= INT32_MAX)) throw new BadRequestException('id must be a positive integer');
    return parsed;
  }
}
