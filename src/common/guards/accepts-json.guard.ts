import { CanActivate, ExecutionContext, Injectable, NotAcceptableException } from '@nestjs/common';
import accepts from 'accepts';
import type { FastifyRequest } from 'fastify';

/** Refuses with 406 a request whose Accept header rules out JSON, the only representation offered. */
@Injectable()
export class AcceptsJsonGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (!accepts(request.raw).type('application/json')) {
      throw new NotAcceptableException('Only application/json responses are available');
    }
    return true;
  }
}
