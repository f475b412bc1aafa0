import { Field, ID, InputType, ObjectType } from '@nestjs/graphql';
import { JSONScalar } from '../common/graphql-scalars';
import { PageInfo } from '../common/page-info.graphql-type';

@ObjectType('AuditLogEntry', { description: 'One mutation run on the workspace: who, what, on which record, and what it changed. Never secret values.' })
export class AuditLogEntryType {
  @Field(() => ID) id: string;
  @Field() at: Date;
  @Field(() => ID, { nullable: true, description: 'The API token used; null for the root token.' }) tokenId: string | null;
  @Field() tokenName: string;
  @Field({ description: 'The mutation, e.g. updateJourney.' }) operation: string;
  @Field(() => String, { nullable: true, description: 'The id of the record it acted on.' }) targetId: string | null;
  @Field({ description: 'OK, or the error code it was answered with.' }) outcome: string;
  @Field(() => [String], { description: 'The fields it changed (for updates, only those whose value differs), without values.' }) changedFields: string[];
  @Field(() => JSONScalar, { nullable: true, description: 'Plain arguments such as name, scope, plugin or action.' }) values: Record<string, unknown> | null;
}

@ObjectType('AuditLogConnection')
export class AuditLogConnection {
  @Field(() => [AuditLogEntryType]) nodes: AuditLogEntryType[];
  @Field(() => PageInfo) pageInfo: PageInfo;
}

@InputType('AuditLogFilter')
export class AuditLogFilter {
  @Field({ nullable: true }) operation?: string;
  @Field(() => ID, { nullable: true }) targetId?: string;
  @Field(() => ID, { nullable: true }) tokenId?: string;
  @Field({ nullable: true, description: 'Entries at or after this time.' }) from?: Date;
  @Field({ nullable: true, description: 'Entries before this time.' }) to?: Date;
}
