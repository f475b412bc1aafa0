import { ApolloDriver, ApolloDriverConfig } from '@nestjs/apollo';
import { Logger, Module } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { AuditModule } from './audit/audit.module';
import { AuditRecorder } from './audit/audit-recorder';
import { auditPlugin } from './audit/audit.plugin';
import { APP_CONFIG, AppConfig } from './config/app-config';
import { formatGraphqlError } from './common/errors';
import { complexityLimit, depthLimit } from './common/graphql-limits';
import { accessControlPlugin } from './tokens/access-control.plugin';
import { ApiTokenAuthentication, type SocketState } from './tokens/api-token-authentication';
import { refuseMutationsOnSockets } from './tokens/socket-operation-rule';
import { TokensModule } from './tokens/tokens.module';

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
        return {
          path: '/graphql',
          autoSchemaFile: true,
          sortSchema: true,
          playground: false,
          introspection: true,
          validationRules: [depthLimit()],
          plugins: [complexityLimit(), accessControlPlugin({ introspectionWithoutToken: config.laptopMode }), auditPlugin(audit)],
          subscriptions: {
            'graphql-ws': {
              path: '/graphql',
              // A socket without a valid API token is refused (close code 4403); revoking the token closes it.
              onConnect: async (ctx) => {
                const extra = ctx.extra as SocketExtra;
                return authentication.openSocket(ctx.connectionParams?.authorization, extra.request?.socket?.remoteAddress, extra);
              },
              onSubscribe: (_ctx, _id, payload) => refuseMutationsOnSockets(payload),
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
