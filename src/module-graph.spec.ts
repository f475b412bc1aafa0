import 'reflect-metadata';
import { GLOBAL_MODULE_METADATA } from '@nestjs/common/constants';
import { Test } from '@nestjs/testing';
import { getDataSourceToken, getRepositoryToken } from '@nestjs/typeorm';
import { ActivityModule } from './activity/activity.module';
import { ActivityLog } from './activity/activity-log';
import { AudiencesModule } from './audiences/audiences.module';
import { APP_CONFIG } from './config/app-config';
import { DeliveriesModule } from './deliveries/deliveries.module';
import { DeliveryScheduler } from './deliveries/delivery-scheduler';
import { DestinationsModule } from './destinations/destinations.module';
import { InstancesModule } from './instances/instances.module';
import { JourneyRuntime } from './instances/journey-runtime.service';
import { Journey } from './journeys/journey.entity';
import { JourneyService } from './journeys/journey.service';
import { JourneysModule } from './journeys/journeys.module';
import { PublishedJourneys } from './journeys/published-journeys';
import { ProfilesModule } from './profiles/profiles.module';
import { QueueService } from './queue/queue.service';
import { WorkspacesModule } from './workspaces/workspaces.module';

/** Stand-ins that only fill a constructor parameter: these tests never call them. */
const unused = (token: unknown) => ({ provide: token as never, useValue: {} });

describe('the module graph', () => {
  const domainModules = [ActivityModule, AudiencesModule, DeliveriesModule, DestinationsModule, InstancesModule, JourneysModule, ProfilesModule, WorkspacesModule];
  it.each(domainModules.map((module) => [module.name, module]))(
    '%s is not global: whoever uses it imports it',
    (_name, module) => {
      expect(Reflect.getMetadata(GLOBAL_MODULE_METADATA, module)).toBeFalsy();
    },
  );

  it('refuses to boot journeys without a DestinationCatalog, instead of publishing unchecked send steps', async () => {
    const compiling = Test.createTestingModule({ providers: [JourneyService, unused(getRepositoryToken(Journey)), unused(APP_CONFIG)] }).compile();
    await expect(compiling).rejects.toThrow(/resolve dependencies of the JourneyService.*DestinationCatalog/s);
  });

  it('refuses to boot the runtime without AudienceMembership, instead of skipping audience filters', async () => {
    const compiling = Test.createTestingModule({
      providers: [JourneyRuntime, unused(getDataSourceToken()), unused(QueueService), unused(PublishedJourneys), unused(ActivityLog), unused(DeliveryScheduler)],
    }).compile();
    await expect(compiling).rejects.toThrow(/resolve dependencies of the JourneyRuntime.*AudienceMembership/s);
  });
});
