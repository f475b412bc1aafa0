/** The journeys the scenarios publish, in the admin API's input shape (as the seed use cases are written). */

/** "Started but not completed within `maxDuration`": waits on a hold, then nudges (or simply ends). */
export function abandonmentJourney(name: string, started: string, completed: string, options: { maxDuration: string; webhook?: string }) {
  return {
    name,
    trigger: { type: 'EVENT', event: { event: started } },
    steps: [
      {
        key: 'wait_for_completion',
        name: 'Wait for completion',
        type: 'HOLD_UNTIL',
        hold: {
          branches: [{ key: 'completed', match: { event: completed }, next: 'done' }],
          maxDuration: options.maxDuration,
          timeoutNext: options.webhook ? 'nudge' : 'done',
        },
      },
      ...(options.webhook
        ? [
            {
              key: 'nudge',
              name: 'Nudge',
              type: 'SEND',
              send: { destinationId: options.webhook, action: 'send', mapping: { data: { user: { '@path': '$.userId' } } } },
              next: 'done',
            },
          ]
        : []),
      { key: 'done', name: 'Done', type: 'END' },
    ],
  };
}

/** Seed use case 01: every Order_Confirmation is forwarded to the webhook at once. */
export function forwardingJourney(name: string, webhook: string) {
  return {
    name,
    trigger: { type: 'EVENT', event: { event: 'Order_Confirmation' } },
    steps: [
      {
        key: 'forward',
        name: 'Forward order',
        type: 'SEND',
        send: {
          destinationId: webhook,
          action: 'send',
          mapping: { data: { messageId: { '@path': '$.entry.messageId' }, cart: { '@path': '$.entry.properties.cart_ID' } } },
        },
      },
    ],
  };
}
