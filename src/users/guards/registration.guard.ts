import { ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { AppConfig } from '../../config/app-config.js';
import type { User } from '../../user-store/entities/user.entity.js';

/** Lets anyone register while REGISTRATION_OPEN; otherwise only an admin, authenticated as on the other REST-auth routes. */
@Injectable()
export class RegistrationGuard extends AuthGuard('basic-or-token') {
  constructor(private readonly config: AppConfig) {
    super();
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.config.registrationOpen) return true;
    await super.canActivate(context);
    const { user } = context.switchToHttp().getRequest<{ user: User }>();
    if (user.privilege !== 'admin')
      throw new ForbiddenException('Registration is closed; only an admin may add users');
    return true;
  }
}
