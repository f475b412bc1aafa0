/**
 * The plugin kit: everything a destination plugin may import, and nothing else from `src/`.
 * Test helpers live apart in `./testing`, so production code never loads them.
 */
export {
  choiceValues,
  type FieldChoice,
  type FieldFormat,
  type FieldSpec,
  type FieldSpecs,
  type FieldValue,
  type InferPayload,
  type InferSettings,
} from './fields';
export {
  actionFor,
  defineDestination,
  defineSettings,
  type ActionSpec,
  type DestinationSpec,
  describeProblems,
  type ActionDefinition,
  type ActionField,
  type AuthenticationDefinition,
  type BatchingOptions,
  type BatchItem,
  type BatchPerformInput,
  type AuthenticationInput,
  type CapturedEvent,
  type DestinationDefinition,
  type FieldType,
  type JourneyContext,
  type Mapping,
  type PathDirective,
  type PerformInput,
  type PerformResult,
  type PluginLogger,
  type Problem,
  type SettingField,
  type SettingsSchema,
  type SettingType,
  type TemplateDirective,
} from './destination';
export { KIT_PACKAGE, KIT_VERSION } from './version';
export { PermanentError, RetryableError, isPermanentError, type DeliveryErrorOptions, type RetryableErrorOptions } from './errors';
export {
  createRequestClient,
  type ParamValue,
  type RequestClient,
  type RequestClientOptions,
  type RequestOptions,
  type RequestResponse,
} from './request';
export { REDACTED, redactDeep, redactingLogger, redactSecrets, secretValues } from './secrets';
export { applySettingDefaults, redactSettings, validateSettings } from './settings';
export { applyFieldDefaults, buildPayload, validatePayload, type BuiltPayload } from './payload';
export {
  CONTEXT_ROOT_KEYS,
  checkMappingPaths,
  evaluateMapping,
  mappingPaths,
  mappingSizeProblems,
  MAPPING_LIMITS,
  type MappingPath,
  type MappingResult,
  type PathSegment,
} from './mapping';
export { RESPONSE_BODY_LIMIT, postJson, type JsonRequest, type JsonResponse } from './http';
