import { DeliveryAttemptStart1764700100000 } from './1764700100000-DeliveryAttemptStart';
import { EventsNothingReads1764800000000 } from './1764800000000-EventsNothingReads';
import { Foundation1763870000000 } from './1763870000000-Foundation';
import { Journeys1763870100000 } from './1763870100000-Journeys';
import { DeliveryOutcomes1763870500000 } from './1763870500000-DeliveryOutcomes';
import { Audiences1763870600000 } from './1763870600000-Audiences';
import { SegmentLibraries1763870900000 } from './1763870900000-SegmentLibraries';
import { Operations1763871500000 } from './1763871500000-Operations';
import { Credentials1764500000000 } from './1764500000000-Credentials';
import { AuditLog1764500100000 } from './1764500100000-AuditLog';
import { IngestionDrops1764500200000 } from './1764500200000-IngestionDrops';
import { EventReconciler1764500300000 } from './1764500300000-EventReconciler';
import { WorkspaceTimeSettings1764600100000 } from './1764600100000-WorkspaceTimeSettings';
import { SendLimits1764600200000 } from './1764600200000-SendLimits';
import { Backtests1764600400000 } from './1764600400000-Backtests';
import { JourneyVersionHistory1764600300000 } from './1764600300000-JourneyVersionHistory';
import { TestMode1764600500000 } from './1764600500000-TestMode';

/** Every migration, oldest first. A new migration file is added here too. */
export const allMigrations = [
  Foundation1763870000000,
  Journeys1763870100000,
  DeliveryOutcomes1763870500000,
  Audiences1763870600000,
  SegmentLibraries1763870900000,
  Operations1763871500000,
  Credentials1764500000000,
  AuditLog1764500100000,
  IngestionDrops1764500200000,
  EventReconciler1764500300000,
  WorkspaceTimeSettings1764600100000,
  SendLimits1764600200000,
  Backtests1764600400000,
  JourneyVersionHistory1764600300000,
  TestMode1764600500000,
  DeliveryAttemptStart1764700100000,
  EventsNothingReads1764800000000,
];
