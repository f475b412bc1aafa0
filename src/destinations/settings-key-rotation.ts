import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Destination } from './destination.entity';
import { SettingsCipher, SettingsUnreadableError } from './settings-cipher';

/**
 * At start, seals again under the current key every secret still sealed under an older one
 * (ITINERA_SECRET_KEY_PREVIOUS, or the key derived from the database URL before a key was set), so the
 * old key can be dropped after one start. Safe in many processes at once: a row changes only if its
 * settings are still the ones read.
 */
@Injectable()
export class SettingsKeyRotation implements OnApplicationBootstrap {
  private readonly logger = new Logger('destinations');

  constructor(
    @InjectRepository(Destination) private readonly destinations: Repository<Destination>,
    private readonly cipher: SettingsCipher,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { reencrypted, unreadable } = await this.reencryptAll();
    if (reencrypted > 0) this.logger.log({ msg: 'destination secrets re-encrypted under the current key', destinations: reencrypted });
    if (unreadable > 0) {
      this.logger.warn({ msg: 'destination secrets no known key opens: set ITINERA_SECRET_KEY_PREVIOUS to the key they were saved with, or save them again', destinations: unreadable });
    }
  }

  async reencryptAll(): Promise<{ reencrypted: number; unreadable: number }> {
    let reencrypted = 0;
    let unreadable = 0;
    const rows = await this.destinations.find({ select: { id: true, settings: true } });
    for (const row of rows) {
      let resealed: Record<string, unknown> | null;
      try {
        resealed = this.cipher.resealed(row.settings, row.id);
      } catch (error) {
        if (!(error instanceof SettingsUnreadableError)) throw error;
        unreadable++;
        continue;
      }
      if (!resealed) continue;
      await this.destinations.query('UPDATE destinations SET settings = $2 WHERE id = $1 AND settings = $3', [row.id, resealed, row.settings]);
      reencrypted++;
    }
    return { reencrypted, unreadable };
  }
}
