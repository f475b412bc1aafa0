import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ViewerResolver } from './viewer.resolver';
import { TokensModule } from '../tokens/tokens.module';
import { Workspace } from './workspace.entity';
import { WorkspaceResolver } from './workspace.resolver';
import { WorkspaceSettingsResolver } from './workspace-settings.resolver';
import { WorkspaceService } from './workspace.service';

@Module({
  imports: [TypeOrmModule.forFeature([Workspace]), TokensModule],
  providers: [WorkspaceService, WorkspaceResolver, WorkspaceSettingsResolver, ViewerResolver],
  exports: [WorkspaceService, TokensModule],
})
export class WorkspacesModule {}
