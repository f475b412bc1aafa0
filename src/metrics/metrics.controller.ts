import { Controller, Get, Headers, Inject, Res, UnauthorizedException } from '@nestjs/common';
import type { Response } from 'express';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { bearerToken, sameSecret } from '../workspaces/workspace-tokens';
import { metricsRegistry } from './metrics';

/** Prometheus text format; with ITINERA_METRICS_TOKEN set, only for `Authorization: Bearer <token>`. */
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  @Get()
  async scrape(@Headers('authorization') authorization: string | undefined, @Res() response: Response): Promise<void> {
    if (this.config.metricsToken && !sameSecret(bearerToken(authorization) ?? '', this.config.metricsToken)) {
      throw new UnauthorizedException('GET /metrics needs Authorization: Bearer <ITINERA_METRICS_TOKEN>');
    }
    response.type(metricsRegistry.contentType).send(await metricsRegistry.metrics());
  }
}
