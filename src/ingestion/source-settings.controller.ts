import { Controller, Get, HttpException, Param, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { WorkspaceService } from '../workspaces/workspace.service';
import { AllowedOrigins } from './allowed-origins.service';
import { allowOrigin, refuseOriginNotAllowed } from './ingestion-cors';

/**
 * What `@segment/analytics-next` loads before sending anything: `<cdnURL>/v1/projects/<writeKey>/settings`.
 * Pointed at Itinera by `cdnURL` alone, the library then sends every call here: `Segment.io` is the only
 * integration (so no destination code is loaded from a CDN), its `apiHost` is this server as the browser
 * reached it, and the library's own metrics are off.
 */
@Controller()
export class SourceSettingsController {
  constructor(
    private readonly workspaces: WorkspaceService,
    private readonly allowedOrigins: AllowedOrigins,
  ) {}

  // Also under any prefix: a cdnURL with a path or a trailing slash ("http://host/" gives "//v1/projects/...").
  @Get(['v1/projects/:writeKey/settings', '*prefix/v1/projects/:writeKey/settings'])
  async settings(@Param('writeKey') writeKey: string, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    allowOrigin(req, res);
    let workspace;
    try {
      workspace = await this.workspaces.findByWriteKey(writeKey);
    } catch {
      throw new HttpException({ errors: [{ path: '', message: 'the write key could not be checked right now; retry later' }] }, 503);
    }
    if (!workspace) throw new HttpException({ errors: [{ path: 'writeKey', message: 'unknown write key' }] }, 404);
    await refuseOriginNotAllowed(this.allowedOrigins, workspace.id, req, res);
    // Never cached by a proxy: it names the write key and depends on the host the browser used.
    res.setHeader('Cache-Control', 'private, no-cache');
    return sourceSettings(writeKey, apiBaseOf(req));
  }
}

/** The ingestion API as the browser reached this server, through a reverse proxy too (X-Forwarded-*). */
function apiBaseOf(req: Request): { protocol: string; apiHost: string } {
  const forwarded = (name: string) => {
    const value = req.headers[name];
    return (Array.isArray(value) ? value[0] : value)?.split(',')[0].trim() || undefined;
  };
  const protocol = forwarded('x-forwarded-proto') ?? req.protocol;
  const host = forwarded('x-forwarded-host') ?? req.headers.host ?? 'localhost';
  const prefix = (forwarded('x-forwarded-prefix') ?? '').replace(/\/+$/, '');
  return { protocol, apiHost: `${host}${prefix}/v1` };
}

function sourceSettings(writeKey: string, { protocol, apiHost }: { protocol: string; apiHost: string }) {
  return {
    integrations: {
      'Segment.io': {
        apiKey: writeKey,
        apiHost,
        protocol,
        unbundledIntegrations: [],
        addBundledMetadata: true,
        maybeBundledConfigIds: {},
      },
    },
    plan: {},
    edgeFunction: {},
    analyticsNextEnabled: true,
    middlewareSettings: {},
    enabledMiddleware: {},
    // The library reports its own metrics to Segment unless told not to sample any.
    metrics: { sampleRate: 0, host: apiHost },
    legacyVideoPluginsEnabled: false,
    remotePlugins: [],
  };
}
