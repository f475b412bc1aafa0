import { ApolloDriver, ApolloDriverConfig } from '@nestjs/apollo';
import { Logger, Module } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { GraphQLError, GraphQLFormattedError, GraphQLSchema } from 'graphql';
import { APP_CONFIG, AppConfig } from './config/app-config';
import { formatGraphqlError } from './common/errors';
import { checkSocketOperation, complexityLimit, limitRules, PARSE_OPTIONS } from './common/graphql-limits';
import { RequestContext } from './workspaces/request-context';
import { refusalForAuthorization, refuseSocket, SOCKET_REFUSALS } from './workspaces/socket-refusal';
import { bearerToken, sameSecret } from './workspaces/workspace-tokens';
import { WorkspaceService } from './workspaces/workspace.service';
import { WorkspacesModule } from './workspaces/workspaces.module';
import { graphqlWsConnections } from './metrics/metrics';

interface SocketExtra {
  context?: RequestContext;
}

/** The admin API at /graphql: HTTP with `Authorization: Bearer <admin token>`, graphql-ws with it in connectionParams. */
@Module({
  imports: [
    GraphQLModule.forRootAsync<ApolloDriverConfig>({
      driver: ApolloDriver,
      imports: [WorkspacesModule],
      inject: [WorkspaceService, APP_CONFIG],
      useFactory: (workspaces: WorkspaceService, config: AppConfig): ApolloDriverConfig => {
        const logger = new Logger('graphql');
        const format = (error: GraphQLError) =>
          formatGraphqlError(error.toJSON(), error, (e) => logger.error({ msg: 'unexpected GraphQL error', error: e instanceof Error ? e.stack : String(e) }));
        // graphql-ws checks operations itself (below) and needs the schema Nest builds.
        let schema: GraphQLSchema | undefined;
        const contextFor = async (authorization: unknown): Promise<RequestContext> => {
          const token = bearerToken(authorization);
          if (!token) return { workspace: null, isRoot: false };
          if (config.rootToken && sameSecret(token, config.rootToken)) return { workspace: null, isRoot: true };
          return { workspace: await workspaces.findByAdminToken(token), isRoot: false };
        };
        return {
          path: '/graphql',
          autoSchemaFile: true,
          sortSchema: true,
          playground: false,
          introspection: true,
          validationRules: limitRules(),
          parseOptions: PARSE_OPTIONS,
          plugins: [complexityLimit()],
          transformSchema: (built: GraphQLSchema) => (schema = built),
          subscriptions: {
            'graphql-ws': {
              path: '/graphql',
              // Refused with 4401 when the token is missing or malformed, 4403 when it is no workspace's token.
              onConnect: async (ctx) => {
                const malformed = refusalForAuthorization(ctx.connectionParams?.authorization);
                if (malformed) return refuseSocket(ctx.extra, malformed);
                const context = await contextFor(ctx.connectionParams?.authorization);
                if (!context.workspace) return refuseSocket(ctx.extra, SOCKET_REFUSALS.unknownToken);
                (ctx.extra as SocketExtra).context = context;
                graphqlWsConnections.inc();
                return true;
              },
              // Operations over the socket get the limits HTTP requests get, and errors in the same form.
              onSubscribe: (_ctx, _id, payload) => {
                if (!schema) return [new GraphQLError('the server is starting', { extensions: { code: 'INTERNAL_SERVER_ERROR' } })];
                const checked = checkSocketOperation(schema, payload);
                return Array.isArray(checked) ? checked.map((error) => asFormatted(error, format(error))) : checked;
              },
              onNext: (_ctx, _id, _payload, _args, result) => (result.errors ? { ...result, errors: result.errors.map(format) } : undefined),
              onDisconnect: () => graphqlWsConnections.dec(),
            },
          },
          context: async ({ req, extra }: { req?: { headers: Record<string, unknown> }; extra?: SocketExtra }) =>
            extra?.context ?? contextFor(req?.headers.authorization),
          formatError: (formatted, error) =>
            formatGraphqlError(formatted, error, (e) => logger.error({ msg: 'unexpected GraphQL error', error: e instanceof Error ? e.stack : String(e) })),
        };
      },
    }),
  ],
})
export class GraphqlApiModule {}

/** A GraphQLError that serialises as `formatted` (graphql-ws sends errors through their toJSON). */
function asFormatted(error: GraphQLError, formatted: GraphQLFormattedError): GraphQLError {
  return new GraphQLError(formatted.message, { nodes: error.nodes, source: error.source, positions: error.positions, path: error.path, extensions: formatted.extensions });
}
