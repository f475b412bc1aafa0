import { redactUrl } from './url-redaction';

describe('redactUrl', () => {
  it.each([
    ['https://hooks.slack.com/services/T0A1B2C3D/B0123456/abcdefghijklmnopqrstuvwx', 'https://hooks.slack.com/services/***/***/***'],
    ['https://alice:s3cret@crm.example.com/hooks?token=tok_9f8e7d&mode=live', 'https://***@crm.example.com/hooks?token=***&mode=***'],
    ['https://api.example.com/v1/hooks/itinera#sig=abc', 'https://api.example.com/v1/hooks/itinera'],
    ['http://127.0.0.1:4010/hook', 'http://127.0.0.1:4010/hook'],
    ['http://127.0.0.1:4010', 'http://127.0.0.1:4010'],
  ])('shows %s as %s', (url, shown) => {
    expect(redactUrl(url)).toBe(shown);
  });
});
