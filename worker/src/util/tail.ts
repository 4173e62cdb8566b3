// Keeps the last N bytes of a stream, and cuts text to a byte limit on a character boundary.

export class ByteTail {
  private chunks: Buffer[] = [];
  private length = 0;
  /** Bytes seen in total, including those no longer kept. */
  total = 0;
  private readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  push(chunk: Buffer): void {
    this.total += chunk.length;
    if (chunk.length >= this.limit) {
      this.chunks = [chunk.subarray(chunk.length - this.limit)];
      this.length = this.limit;
      return;
    }
    this.chunks.push(chunk);
    this.length += chunk.length;
    while (this.length - this.chunks[0]!.length >= this.limit) {
      this.length -= this.chunks.shift()!.length;
    }
  }

  /** The kept bytes as UTF-8 text of at most `limit` bytes, starting on a character boundary. */
  text(): string {
    return utf8Tail(Buffer.concat(this.chunks, this.length), this.limit);
  }
}

/** The end of bytes as text of at most maxBytes UTF-8 bytes, never starting inside a character. */
export function utf8Tail(bytes: Buffer, maxBytes: number): string {
  let start = Math.max(0, bytes.length - maxBytes);
  // Skip UTF-8 continuation bytes (10xxxxxx) so that the text starts on a whole character.
  while (start < bytes.length && (bytes[start]! & 0xc0) === 0x80) start++;
  let text = bytes.subarray(start).toString('utf8');
  // Invalid input decodes to U+FFFD (3 bytes each): trim until the encoding fits.
  while (Buffer.byteLength(text, 'utf8') > maxBytes) text = text.slice(1);
  return text;
}

/** The start of text cut to at most maxChars characters, marked when cut. */
export function truncate(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : `${text.slice(0, Math.max(0, maxChars - 1))}…`;
}
