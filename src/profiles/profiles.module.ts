import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { InstancesModule } from '../instances/instances.module';
import { Journey } from '../journeys/journey.entity';
import { Profile } from './profile.entity';
import { ProfileDeletion } from './profile-deletion';
import { ProfileResolver } from './profile.resolver';
import { ProfileService } from './profile.service';

/** Profiles and their Journeys tab; instances come from the instances module. */
@Module({
  imports: [TypeOrmModule.forFeature([Profile, Journey]), InstancesModule],
  providers: [ProfileService, ProfileResolver, ProfileDeletion],
  exports: [ProfileService],
})
export class ProfilesModule {}
