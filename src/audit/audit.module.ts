import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Destination } from '../destinations/destination.entity';
import { Journey } from '../journeys/journey.entity';
import { AuditEntry } from './audit-entry.entity';
import { AuditLogResolver } from './audit-log.resolver';
import { AuditLogService } from './audit-log.service';
import { AuditRecorder } from './audit-recorder';
import { AuditSnapshots } from './audit-snapshots';

/** The audit log: written by the GraphQL API's audit plugin, read with Query.auditLog. */
@Module({
  imports: [TypeOrmModule.forFeature([AuditEntry, Journey, Destination])],
  providers: [AuditRecorder, AuditSnapshots, AuditLogService, AuditLogResolver],
  exports: [AuditRecorder],
})
export class AuditModule {}
