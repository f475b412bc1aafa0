import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AudienceCatalog } from '../journeys/destination-catalog';
import { AudienceStore } from './audience-store';

/** The workspace's audiences, for journey validation of `audienceId` and `audienceFilterId`. */
@Injectable()
export class WorkspaceAudienceCatalog extends AudienceCatalog {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    super();
  }

  async audienceIds(workspaceId: string): Promise<Set<string>> {
    return new Set(await AudienceStore.ids(this.dataSource.manager, workspaceId));
  }
}
