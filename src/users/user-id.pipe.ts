import { Injectable, NotFoundException, type PipeTransform } from '@nestjs/common';
import { PositiveIntPipe } from '../common/validation/positive-int.pipe.js';

/** Werkzeug's words for a URL that no route matches. */
export const NO_SUCH_URL =
  'The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.';

/**
 * The id of `GET /api/users/<int:id>` as Flask's converter takes it: a path segment that is not
 * digits matches no route of the original (404); digits are an id, and one that no user can
 * have (0, beyond the column) is an unknown user, the 400 of every other id no user has.
 */
@Injectable()
export class UserIdPipe implements PipeTransform<string, number> {
  private readonly positiveInt = new PositiveIntPipe();

  transform(value: string): number {
    if (!/^[0-9]+$/.test(value)) throw new NotFoundException(NO_SUCH_URL);
    return this.positiveInt.transform(value);
  }
}
