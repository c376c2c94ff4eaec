import { SpanStatusCode, type Span, type Tracer } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { withSpan } from './tracing.js';

interface Recorded {
  name: string;
  attributes: unknown;
  ended: boolean;
  status?: { code: SpanStatusCode; message?: string };
  exceptions: unknown[];
}

function fakeTracer(): { tracer: Tracer; spans: Recorded[] } {
  const spans: Recorded[] = [];
  const tracer = {
    startActiveSpan(name: string, options: { attributes?: unknown }, fn: (span: Span) => unknown) {
      const rec: Recorded = { name, attributes: options.attributes, ended: false, exceptions: [] };
      spans.push(rec);
      const span = {
        end: () => {
          rec.ended = true;
        },
        setStatus: (s: { code: SpanStatusCode; message?: string }) => {
          rec.status = s;
        },
        recordException: (e: unknown) => {
          rec.exceptions.push(e);
        },
      } as unknown as Span;
      return fn(span);
    },
  } as unknown as Tracer;
  return { tracer, spans };
}

describe('withSpan', () => {
  it('returns the result and ends the span', async () => {
    const { tracer, spans } = fakeTracer();
    await expect(
      withSpan('poll', { platform: 'x' }, () => Promise.resolve(7), tracer),
    ).resolves.toBe(7);
    expect(spans).toEqual([
      { name: 'poll', attributes: { platform: 'x' }, ended: true, exceptions: [] },
    ]);
  });

  it('records a failure on the span, marks it an error and rethrows', async () => {
    const { tracer, spans } = fakeTracer();
    const boom = new Error('boom');
    await expect(withSpan('commit', {}, () => Promise.reject(boom), tracer)).rejects.toBe(boom);
    expect(spans[0]).toMatchObject({
      ended: true,
      exceptions: [boom],
      status: { code: SpanStatusCode.ERROR, message: 'boom' },
    });
  });

  it('works with the global no-op tracer when no SDK is registered', async () => {
    await expect(withSpan('relay', { sink: 'queue' }, () => Promise.resolve('ok'))).resolves.toBe(
      'ok',
    );
  });
});
