import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Workspace } from '../workspaces/workspace.entity';
import { ApiTokenAuthentication } from './api-token-authentication';
import { AuthFailureThrottle } from './auth-failure-throttle';
import { Credential } from './credential.entity';
import { CredentialRevocations } from './credential-revocations';
import { CredentialResolver } from './credential.resolver';
import { CredentialService } from './credential.service';

/** API tokens (ADMIN, READ) and write keys: issuing, revoking, checking, and slowing down guessing. */
@Module({
  imports: [TypeOrmModule.forFeature([Credential, Workspace])],
  providers: [CredentialService, CredentialRevocations, AuthFailureThrottle, ApiTokenAuthentication, CredentialResolver],
  exports: [CredentialService, CredentialRevocations, AuthFailureThrottle, ApiTokenAuthentication],
})
export class TokensModule {}
