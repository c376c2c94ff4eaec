import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { childLogger, createLogger } from './logger.js';

const TOKEN = 'tok_LOGGER_s3cr3t_0123';

function capture(): {
  stream: Writable;
  lines: () => Record<string, unknown>[];
  text: () => string;
} {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const text = () => chunks.join('');
  return {
    stream,
    text,
    lines: () =>
      text()
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('createLogger', () => {
  it('redacts token-ish fields, authorization headers and secrets in messages', () => {
    const out = capture();
    const logger = createLogger({ destination: out.stream });
    logger.info({ accessToken: TOKEN }, 'top level');
    logger.info({ credentials: { accessToken: TOKEN } }, 'nested');
    logger.info({ request: { headers: { authorization: `Bearer ${TOKEN}` } } }, 'headers');
    logger.info({ headers: { authorization: `Bearer ${TOKEN}` } }, 'headers top');
    logger.info({
      webhook: { secret: TOKEN },
      api: { operatorKey: TOKEN, clientKeys: { a: TOKEN } },
    });
    logger.info({ job: { auth: { token: TOKEN } } }, 'two deep');
    logger.warn(`platform said: Authorization: Bearer ${TOKEN}`);
    logger.error(`refresh failed access_token=${TOKEN}&x=1`);
    expect(out.lines()).toHaveLength(8);
    expect(out.text()).not.toContain(TOKEN);
    expect(out.text()).toContain('[redacted]');
    expect(out.lines()[0]).toMatchObject({ service: 'engagement-poller', msg: 'top level' });
  });

  it('binds clientId, platform, resource and jobId on every line of a child', () => {
    const out = capture();
    const log = childLogger(createLogger({ destination: out.stream, level: 'debug' }), {
      clientId: 'acme',
      platform: 'x',
      resource: 'mentions:42',
      jobId: 'job-1',
    });
    log.debug('polled');
    expect(out.lines()[0]).toMatchObject({
      clientId: 'acme',
      platform: 'x',
      resource: 'mentions:42',
      jobId: 'job-1',
      level: 20,
      msg: 'polled',
    });
    const partial = capture();
    childLogger(createLogger({ destination: partial.stream }), { clientId: 'acme' }).info('x');
    expect(partial.lines()[0]).not.toHaveProperty('platform');
  });

  it('honours the level and builds plain and pretty loggers without a destination', () => {
    const out = capture();
    const logger = createLogger({ destination: out.stream, level: 'warn' });
    logger.info('dropped');
    expect(out.lines()).toHaveLength(0);
    expect(createLogger({ pretty: false }).level).toBe('info');
    expect(createLogger({ pretty: true, level: 'silent' }).level).toBe('silent');
  });
});
