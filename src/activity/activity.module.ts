import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Activity } from './activity.entity';
import { ActivityFanout } from './activity-fanout';
import { ActivityLog } from './activity-log';
import { ActivityResolver } from './activity.resolver';
import { ActivityService } from './activity.service';

@Module({
  imports: [TypeOrmModule.forFeature([Activity])],
  providers: [ActivityLog, ActivityService, ActivityFanout, ActivityResolver],
  exports: [ActivityLog, ActivityService],
})
export class ActivityModule {}
