/**
 * What Itinera itself needs from the kit beyond the plugin API: installing the outbound address policy
 * that every request of every plugin goes through. Plugins never import this entry (check:boundaries).
 */
export {
  DestinationAddressPolicy,
  DestinationAddressRefusedError,
  destinationAddressPolicy,
  installDestinationAddressPolicy,
  type DestinationAddressPolicyOptions,
} from './http-address-policy';
export type { ActionDefinition } from './destination';
export {
  boundedResponse,
  performAttempt,
  performBatchAttempt,
  PERFORM_DEADLINE_MS,
  runAuthenticationTest,
  type AttemptInput,
  type AttemptLimits,
  type AttemptOutcome,
  type AuthenticationOutcome,
} from './attempt';
