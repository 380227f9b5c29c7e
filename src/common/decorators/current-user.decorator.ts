import { createParamDecorator, ExecutionContext } from '@nestjs/common';

/** What the route's Passport strategy authenticated (`request.user`). */
export const CurrentUser = createParamDecorator(
  (_: unknown, context: ExecutionContext) =>
    context.switchToHttp().getRequest<{ user: unknown }>().user,
);
