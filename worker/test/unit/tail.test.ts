import { describe, expect, it } from 'vitest';
import { ByteTail, truncate, utf8Tail } from '../../src/util/tail.ts';

describe('ByteTail', () => {
  it('keeps only the last bytes, across chunks', () => {
    const tail = new ByteTail(10);
    tail.push(Buffer.from('hello '));
    tail.push(Buffer.from('wonderful '));
    tail.push(Buffer.from('world'));
    expect(tail.text()).toBe('rful world');
    expect(Buffer.byteLength(tail.text())).toBeLessThanOrEqual(10);
    expect(tail.total).toBe(21);
  });

  it('handles one chunk larger than the limit', () => {
    const tail = new ByteTail(4);
    tail.push(Buffer.from('abcdefgh'));
    expect(tail.text()).toBe('efgh');
  });

  it('never starts inside a multi-byte character and stays within the byte limit', () => {
    // "é" is 2 bytes, "€" is 3: cutting at 16 KiB boundaries must not split them.
    const text = 'é€'.repeat(10_000);
    const tail = new ByteTail(16 * 1024);
    for (let i = 0; i < text.length; i += 777) tail.push(Buffer.from(text.slice(i, i + 777)));
    const kept = tail.text();
    expect(Buffer.byteLength(kept)).toBeLessThanOrEqual(16 * 1024);
    expect(kept).not.toContain('\uFFFD');
    expect(text.endsWith(kept)).toBe(true);
  });

  it('trims invalid UTF-8 until it fits', () => {
    const bytes = Buffer.from([0xff, 0xfe, 0xfd, 0x41]);
    expect(Buffer.byteLength(utf8Tail(bytes, 4))).toBeLessThanOrEqual(4);
  });
});

describe('truncate', () => {
  it('marks cut text', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abc', 4)).toBe('abc');
  });
});
