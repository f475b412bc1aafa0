import { Logger } from '@nestjs/common';
import { reportAttempt } from './attempt-report';
import type { Delivery } from './delivery.entity';

const delivery = { id: 'd1', journeyId: 'j1', stepKey: 'nudge', destinationId: 'dest1', action: 'send', createdAt: new Date() } as Delivery;

function logged() {
  const logger = { warn: jest.fn(), error: jest.fn() };
  return { logger: logger as unknown as Logger, warn: logger.warn, error: logger.error };
}

describe('reportAttempt', () => {
  it('warns about a failed attempt that will be retried, naming journey, step, destination and error', () => {
    const { logger, warn, error } = logged();
    const retryAt = new Date('2026-01-01T00:00:04Z');
    reportAttempt(logger, { delivery, plugin: 'webhook', attempt: 1, outcome: { result: 'retryable', error: 'HTTP 503', status: 503 }, status: 'RETRYING', retryAt });
    expect(error).not.toHaveBeenCalled();
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({ journeyId: 'j1', stepKey: 'nudge', destinationId: 'dest1', plugin: 'webhook', error: 'HTTP 503', nextAttemptAt: retryAt.toISOString() }),
    );
  });

  it('logs an error for a delivery that is dead: out of attempts or permanently refused', () => {
    const { logger, warn, error } = logged();
    reportAttempt(logger, { delivery, plugin: 'webhook', attempt: 10, outcome: { result: 'retryable', error: 'HTTP 503', status: 503 }, status: 'FAILED', retryAt: null });
    reportAttempt(logger, { delivery, plugin: 'webhook', attempt: 1, outcome: { result: 'permanent', error: 'HTTP 404', status: 404 }, status: 'FAILED', retryAt: null });
    expect(warn).not.toHaveBeenCalled();
    expect(error.mock.calls.map(([record]) => [record.msg, record.error])).toEqual([
      ['delivery failed: no attempts left', 'HTTP 503'],
      ['delivery failed permanently', 'HTTP 404'],
    ]);
  });

  it('says nothing of a delivered attempt', () => {
    const { logger, warn, error } = logged();
    reportAttempt(logger, { delivery, plugin: 'webhook', attempt: 1, outcome: { result: 'delivered', status: 200, response: null }, status: 'DELIVERED', retryAt: null });
    expect([...warn.mock.calls, ...error.mock.calls]).toEqual([]);
  });
});
