/**
 * OpenTelemetry spans through `@opentelemetry/api` only: with no SDK registered they cost next to
 * nothing; an operator who registers an SDK and exporter gets the spans. Attributes must never
 * hold a token.
 */
import { SpanStatusCode, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';

/** The tracer's name. */
export const TRACER_NAME = 'engagement-poller';

/**
 * Run `fn` inside an active span named `name` (e.g. `poll`, `schedule`, `commit`, `relay`). A
 * rejection is recorded on the span, its status set to error, and rethrown; the span always ends.
 */
export async function withSpan<T>(
  name: string,
  attributes: Attributes,
  fn: (span: Span) => Promise<T>,
  tracer: Tracer = trace.getTracer(TRACER_NAME),
): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.recordException(err instanceof Error ? err : String(err));
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: err instanceof Error ? err.message : String(err),
      });
      throw err;
    } finally {
      span.end();
    }
  });
}
