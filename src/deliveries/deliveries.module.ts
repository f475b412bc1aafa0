import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ActivityModule } from '../activity/activity.module';
import { DestinationsModule } from '../destinations/destinations.module';
import { Delivery } from './delivery.entity';
import { DeliveryProcessor } from './delivery.processor';
import { DeliveryResolver } from './delivery.resolver';
import { DeliveryScheduler } from './delivery-scheduler';
import { DeliveryService } from './delivery.service';
import { DeliveryTargets } from './delivery-targets';
import { PayloadPreview } from './payload-preview';
import { TestEventSender } from './test-event-sender';

/**
 * Sends to destinations: schedules deliveries for the runtime (as its DeliveryScheduler), attempts and
 * retries them in worker processes, and answers the admin API's deliveries, previewPayload and
 * sendTestEvent. The instances module imports it for its DeliveryScheduler.
 */
@Module({
  imports: [TypeOrmModule.forFeature([Delivery]), ActivityModule, DestinationsModule],
  providers: [
    DeliveryService,
    { provide: DeliveryScheduler, useExisting: DeliveryService },
    DeliveryTargets,
    DeliveryProcessor,
    PayloadPreview,
    TestEventSender,
    DeliveryResolver,
  ],
  exports: [DeliveryScheduler, DeliveryService, DeliveryTargets],
})
export class DeliveriesModule {}
