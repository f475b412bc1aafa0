import { Field, ID, ObjectType, registerEnumType } from '@nestjs/graphql';
import type { ApiTokenScope } from './credential.entity';

export enum ApiTokenScopeEnum {
  ADMIN = 'ADMIN',
  READ = 'READ',
}
registerEnumType(ApiTokenScopeEnum, {
  name: 'ApiTokenScope',
  description: 'ADMIN: everything in the workspace. READ: queries and subscriptions only (dashboards).',
});

@ObjectType('ApiToken', { description: 'A token for the GraphQL API of one workspace; its secret is shown only when created.' })
export class ApiTokenType {
  @Field(() => ID) id: string;
  @Field() name: string;
  @Field(() => ApiTokenScopeEnum) scope: ApiTokenScope;
  @Field() createdAt: Date;
  @Field(() => Date, { nullable: true, description: 'To the minute; null when never used.' }) lastUsedAt: Date | null;
}

@ObjectType('CreatedApiToken')
export class CreatedApiTokenType {
  @Field(() => ApiTokenType) token: ApiTokenType;
  @Field({ description: 'Shown once: only its hash is stored. Send it as Authorization: Bearer <secret>.' }) secret: string;
}

@ObjectType('WriteKey', { description: 'A key for the ingestion API of one workspace; its secret is shown only when created.' })
export class WriteKeyType {
  @Field(() => ID) id: string;
  @Field() name: string;
  @Field() createdAt: Date;
  @Field(() => Date, { nullable: true, description: 'To the minute; null when never used.' }) lastUsedAt: Date | null;
}

@ObjectType('CreatedWriteKey')
export class CreatedWriteKeyType {
  @Field(() => WriteKeyType) writeKey: WriteKeyType;
  @Field({ description: 'Shown once: only its hash is stored.' }) secret: string;
}
