import { ApolloDriver, ApolloDriverConfig } from '@nestjs/apollo';
import { Logger, Module } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { GraphQLError, GraphQLFormattedError, GraphQLSchema } from 'graphql';
import { AuditModule } from './audit/audit.module';
import { AuditRecorder } from './audit/audit-recorder';
import { auditPlugin } from './audit/audit.plugin';
import { APP_CONFIG, AppConfig } from './config/app-config';
import { formatGraphqlError } from './common/errors';
import { checkSocketOperation, complexityLimit, limitRules, PARSE_OPTIONS } from './common/graphql-limits';
import { graphqlWsConnections } from './metrics/metrics';
import { accessControlPlugin } from './tokens/access-control.plugin';
import { ApiTokenAuthentication, type SocketState } from './tokens/api-token-authentication';
import { refuseMutationsOnSockets } from './tokens/socket-operation-rule';
import { TokensModule } from './tokens/tokens.module';
import { refusalForAuthorization, refuseSocket, SOCKET_REFUSALS } from './workspaces/socket-refusal';

interface SocketExtra extends SocketState {
  request?: { socket?: { remoteAddress?: string } };
}

/** The admin API at /graphql: HTTP with `Authorization: Bearer <API token>`, graphql-ws with it in connectionParams. */
@Module({
  imports: [
    GraphQLModule.forRootAsync<ApolloDriverConfig>({
      driver: ApolloDriver,
      imports: [TokensModule, AuditModule],
      inject: [ApiTokenAuthentication, AuditRecorder, APP_CONFIG],
      useFactory: (authentication: ApiTokenAuthentication, audit: AuditRecorder, config: AppConfig): ApolloDriverConfig => {
        const logger = new Logger('graphql');
        const format = (error: GraphQLError) =>
          formatGraphqlError(error.toJSON(), error, (e) => logger.error({ msg: 'unexpected GraphQL error', error: e instanceof Error ? e.stack : String(e) }));
        // graphql-ws checks operations itself (below) and needs the schema Nest builds.
        let schema: GraphQLSchema | undefined;
        return {
          path: '/graphql',
          autoSchemaFile: true,
          sortSchema: true,
          playground: false,
          introspection: true,
          validationRules: limitRules(),
          parseOptions: PARSE_OPTIONS,
          plugins: [complexityLimit(), accessControlPlugin({ introspectionWithoutToken: config.laptopMode }), auditPlugin(audit)],
          transformSchema: (built: GraphQLSchema) => (schema = built),
          subscriptions: {
            'graphql-ws': {
              path: '/graphql',
              // Refused with 4401 when the token is missing or malformed, 4403 when it is no workspace's API
              // token (or the address is throttled); revoking the token closes the socket.
              onConnect: async (ctx) => {
                const extra = ctx.extra as SocketExtra;
                const malformed = refusalForAuthorization(ctx.connectionParams?.authorization);
                if (malformed) return refuseSocket(extra, malformed);
                const opened = await authentication.openSocket(ctx.connectionParams?.authorization, extra.request?.socket?.remoteAddress, extra);
                if (!opened) return refuseSocket(extra, SOCKET_REFUSALS.unknownToken);
                graphqlWsConnections.inc();
                return true;
              },
              // Operations over the socket get the limits HTTP requests get, and errors in the same form.
              onSubscribe: (_ctx, _id, payload) => {
                if (!schema) return [new GraphQLError('the server is starting', { extensions: { code: 'INTERNAL_SERVER_ERROR' } })];
                const checked = checkSocketOperation(schema, payload);
                const refused = Array.isArray(checked) ? checked : refuseMutationsOnSockets(checked.document, payload.operationName);
                return refused ? refused.map((error) => asFormatted(error, format(error))) : (checked as Exclude<typeof checked, GraphQLError[]>);
              },
              onNext: (_ctx, _id, _payload, _args, result) => (result.errors ? { ...result, errors: result.errors.map(format) } : undefined),
              onDisconnect: (ctx) => {
                if ((ctx.extra as SocketExtra).context) graphqlWsConnections.dec();
              },
            },
          },
          context: async ({ req, extra }: { req?: { headers: Record<string, unknown>; socket?: { remoteAddress?: string } }; extra?: SocketExtra }) =>
            extra?.context ?? authentication.contextFor(req?.headers.authorization, req?.socket?.remoteAddress),
          formatError: (formatted, error) =>
            formatGraphqlError(formatted, error, (e) => logger.error({ msg: 'unexpected GraphQL error', error: e instanceof Error ? e.stack : String(e) })),
        };
      },
    }),
    AuditModule,
  ],
})
export class GraphqlApiModule {}

/** A GraphQLError that serialises as `formatted` (graphql-ws sends errors through their toJSON). */
function asFormatted(error: GraphQLError, formatted: GraphQLFormattedError): GraphQLError {
  return new GraphQLError(formatted.message, { nodes: error.nodes, source: error.source, positions: error.positions, path: error.path, extensions: formatted.extensions });
}
