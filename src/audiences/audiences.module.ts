import { Global, Module } from '@nestjs/common';
import { AudienceMembership } from '../instances/audience-membership';
import { AudienceCatalog } from '../journeys/destination-catalog';
import { AudienceBackfill } from './audience-backfill';
import { AudienceMembershipService } from './audience-membership.service';
import { AudienceRecheckScheduler } from './audience-recheck-scheduler';
import { AudienceResolver } from './audience.resolver';
import { AudienceService } from './audience.service';
import { WorkspaceAudienceCatalog } from './workspace-audience-catalog';

/**
 * Audiences and their memberships. Global: the runtime finds AudienceMembership and the journeys module
 * finds AudienceCatalog here (both inject them optionally) without importing this module.
 */
@Global()
@Module({
  providers: [
    AudienceService,
    AudienceResolver,
    AudienceBackfill,
    AudienceRecheckScheduler,
    { provide: AudienceMembership, useClass: AudienceMembershipService },
    { provide: AudienceCatalog, useClass: WorkspaceAudienceCatalog },
  ],
  exports: [AudienceMembership, AudienceCatalog],
})
export class AudiencesModule {}
