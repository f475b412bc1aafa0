import { LoggerService } from '@nestjs/common';
import pino, { Logger } from 'pino';

/** Structured JSON logs on stdout: one line per record, `context` naming the part of Itinera that wrote it. */
export function createRootLogger(level: string): Logger {
  return pino({ level, base: { service: 'itinera', pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime });
}

/** Lets NestJS (and anything taking a LoggerService) write through the same pino logger. */
export class JsonLogger implements LoggerService {
  constructor(private readonly root: Logger) {}

  log(message: unknown, context?: string) {
    this.write('info', message, context);
  }
  error(message: unknown, trace?: string, context?: string) {
    if (message && typeof message === 'object' && !(message instanceof Error)) this.root.error({ context: trace ?? context, ...message });
    else this.root.error({ context, trace }, stringify(message));
  }
  warn(message: unknown, context?: string) {
    this.write('warn', message, context);
  }
  debug(message: unknown, context?: string) {
    this.write('debug', message, context);
  }
  verbose(message: unknown, context?: string) {
    this.write('trace', message, context);
  }

  private write(level: 'info' | 'warn' | 'debug' | 'trace', message: unknown, context?: string) {
    if (message && typeof message === 'object') this.root[level]({ context, ...message });
    else this.root[level]({ context }, stringify(message));
  }
}

function stringify(message: unknown): string {
  return message instanceof Error ? message.stack ?? message.message : String(message);
}
