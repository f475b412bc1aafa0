import { ApolloDriver, ApolloDriverConfig } from '@nestjs/apollo';
import { Logger, Module } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { APP_CONFIG, AppConfig } from './config/app-config';
import { formatGraphqlError } from './common/errors';
import { complexityLimit, depthLimit } from './common/graphql-limits';
import { RequestContext } from './workspaces/request-context';
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
          validationRules: [depthLimit()],
          plugins: [complexityLimit()],
          subscriptions: {
            'graphql-ws': {
              path: '/graphql',
              // A socket without a valid admin token is refused (close code 4403).
              onConnect: async (ctx) => {
                const context = await contextFor(ctx.connectionParams?.authorization);
                if (!context.workspace) return false;
                (ctx.extra as SocketExtra).context = context;
                graphqlWsConnections.inc();
                return true;
              },
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
