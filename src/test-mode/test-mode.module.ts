import { Module } from '@nestjs/common';
import { InstancesModule } from '../instances/instances.module';
import { TestModeResolver } from './test-mode.resolver';
import { TestProfiles } from './test-profiles.service';

/**
 * Test mode's workspace side: the test profiles and resetting their test runs. A journey's test mode
 * itself (startJourneyTest) belongs to the journeys module; the runtime reads test profiles through
 * test-profile-lookup.ts.
 */
@Module({
  imports: [InstancesModule],
  providers: [TestProfiles, TestModeResolver],
})
export class TestModeModule {}
