import { StringDecoder } from 'node:string_decoder';

/** The longest line read: a user with a thousand long group names fits, a runaway line does not. */
export const MAX_LINE_BYTES = 256 * 1024;

export type NdjsonLine = { number: number; text: string } | { number: number; tooLong: true };

/**
 * The lines of a byte stream of JSON lines, numbered from 1, without their `\n` or `\r\n`. A line
 * longer than MAX_LINE_BYTES is answered as too long (and not kept in memory), a multi-byte
 * character split between chunks is joined, and a last line without a line break counts.
 */
export async function* ndjsonLines(
  chunks: AsyncIterable<Buffer | string>,
): AsyncGenerator<NdjsonLine> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let pendingTooLong = false;
  let number = 0;
  const line = (text: string): NdjsonLine => {
    number += 1;
    if (pendingTooLong || Buffer.byteLength(text) > MAX_LINE_BYTES) {
      pendingTooLong = false;
      return { number, tooLong: true };
    }
    return { number, text: text.endsWith('\r') ? text.slice(0, -1) : text };
  };
  for await (const chunk of chunks) {
    const text = pending + (typeof chunk === 'string' ? chunk : decoder.write(chunk));
    let start = 0;
    for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
      yield line(text.slice(start, end));
      start = end + 1;
    }
    pending = text.slice(start);
    if (pending.length > MAX_LINE_BYTES) {
      pendingTooLong = true;
      pending = '';
    }
  }
  const rest = pending + decoder.end();
  if (rest !== '' || pendingTooLong) yield line(rest);
}
