import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Journey } from '../journeys/journey.entity';
import { Profile } from './profile.entity';
import { ProfileEventsResolver } from './profile-events.resolver';
import { ProfileResolver } from './profile.resolver';
import { ProfileService } from './profile.service';

/** Profiles and their Journeys tab; instances come from the (global) instances module. */
@Module({
  imports: [TypeOrmModule.forFeature([Profile, Journey])],
  providers: [ProfileService, ProfileResolver, ProfileEventsResolver],
  exports: [ProfileService],
})
export class ProfilesModule {}
