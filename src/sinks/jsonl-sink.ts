/** A sink that writes each event as one JSON line to a file or a stream (stdout). */
import { createWriteStream, type WriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import type { PollEvent } from '../domain/poll-event.js';
import type { Sink } from './sink.js';

/** Options of {@link JsonLinesSink}: a file path (appended to) or a writable stream. */
export type JsonLinesSinkOptions = { path: string } | { stream: Writable };

/** Writes events as JSON lines. */
export class JsonLinesSink implements Sink {
  readonly name = 'jsonl';
  readonly #stream: Writable;
  readonly #owned: WriteStream | null;

  constructor(options: JsonLinesSinkOptions) {
    if ('path' in options) {
      this.#owned = createWriteStream(options.path, { flags: 'a' });
      this.#stream = this.#owned;
    } else {
      this.#owned = null;
      this.#stream = options.stream;
    }
  }

  async deliver(events: readonly PollEvent[]): Promise<void> {
    if (events.length === 0) return;
    const text = events.map((e) => JSON.stringify(e)).join('\n') + '\n';
    await new Promise<void>((resolve, reject) => {
      this.#stream.write(text, (err) => (err ? reject(err) : resolve()));
    });
  }

  async close(): Promise<void> {
    const owned = this.#owned;
    if (owned === null) return;
    await new Promise<void>((resolve) => owned.end(resolve));
  }
}
