import { Module } from '@nestjs/common';
import { AudienceMembership } from '../instances/audience-membership';
import { AudienceCatalog } from '../journeys/destination-catalog';
import { AudienceBackfill } from './audience-backfill';
import { AudienceMembershipService } from './audience-membership.service';
import { AudienceRecheckHandover } from './audience-recheck-handover';
import { AudienceResolver } from './audience.resolver';
import { AudienceService } from './audience.service';
import { WorkspaceAudienceCatalog } from './workspace-audience-catalog';

/**
 * Audiences and their memberships. Binds the ports other modules declare: AudienceMembership (the
 * runtime's) and AudienceCatalog (journey validation's); those modules import this one.
 */
@Module({
  providers: [
    AudienceService,
    AudienceResolver,
    AudienceBackfill,
    AudienceRecheckHandover,
    { provide: AudienceMembership, useClass: AudienceMembershipService },
    { provide: AudienceCatalog, useClass: WorkspaceAudienceCatalog },
  ],
  exports: [AudienceMembership, AudienceCatalog],
})
export class AudiencesModule {}
