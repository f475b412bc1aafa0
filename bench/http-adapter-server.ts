/**
 * The smallest Nest application that answers a Segment track call the way the ingestion route does
 * (JSON body in, a small JSON answer out), on the adapter PROBE_ADAPTER names. Run by scenarios/http-adapters.ts.
 */
import 'reflect-metadata';
import { Body, Controller, HttpCode, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';

@Controller('v1')
class TrackController {
  @Post('track')
  @HttpCode(200)
  track(@Body() body: { event?: unknown }): { success: boolean } {
    return { success: typeof body?.event === 'string' };
  }
}

@Module({ controllers: [TrackController] })
class ProbeModule {}

async function main(): Promise<void> {
  const app =
    process.env.PROBE_ADAPTER === 'fastify'
      ? await NestFactory.create(ProbeModule, new FastifyAdapter(), { logger: false })
      : await NestFactory.create(ProbeModule, { logger: false });
  await app.listen(0, '127.0.0.1');
  process.send?.({ port: (app.getHttpServer().address() as { port: number }).port });
}

void main();
