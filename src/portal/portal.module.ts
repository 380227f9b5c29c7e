import { Logger, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { AccountModule } from '../account/account.module.js';
import { AuditModule } from '../audit/audit.module.js';
import { AppConfig } from '../config/app-config.js';
import { SessionStoreModule } from '../credentials/sessions/session-store.module.js';
import { IdentityModule } from '../identity/identity.module.js';
import { UserStoreModule } from '../user-store/user-store.module.js';
import { AccountPageController } from './account-page.controller.js';
import { AccountPages } from './account-page.service.js';
import { FormTokens } from './form-tokens.service.js';
import { PortalKeys } from './portal-keys.service.js';
import { PortalPages } from './portal-pages.service.js';
import { PortalScriptsController } from './portal-scripts.controller.js';
import { PortalScripts } from './portal-scripts.service.js';
import { PortalController } from './portal.controller.js';
import { PortalService } from './portal.service.js';

/**
 * The sign-in portal: the pages where people in browsers sign in and out, and manage their account
 * through the self-service API's own service.
 */
@Module({
  imports: [IdentityModule, SessionStoreModule, UserStoreModule, AuditModule, AccountModule],
  controllers: [PortalController, AccountPageController, PortalScriptsController],
  providers: [PortalService, PortalPages, FormTokens, PortalKeys, AccountPages, PortalScripts],
})
export class PortalModule implements OnApplicationBootstrap {
  private readonly logger = new Logger(PortalModule.name);

  constructor(private readonly config: AppConfig) {}

  onApplicationBootstrap(): void {
    if (this.config.publicUrlExplicit) return;
    this.logger.warn(
      `PUBLIC_URL is not set: the sign-in portal's cookies, redirects and links assume ${this.config.publicUrl}; set PUBLIC_URL to the address browsers reach Gatehouse at`,
    );
  }
}
