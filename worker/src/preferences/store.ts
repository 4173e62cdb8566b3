// The preferences in force, and where each came from. Sources, lowest first: the defaults, the
// config file (<config folder>/preferences.json), the flags given to `start`; a change from the
// local page applies at once and is written to the file.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../util/fs.ts';
import { checkUpdate, DEFAULT_PREFERENCES, PREFERENCE_KEYS, PreferenceError, type Preferences, type PreferenceSource } from './preferences.ts';

export const PREFERENCES_FILE = 'preferences.json';

export class PreferenceStore {
  readonly file: string;
  private current: Preferences = structuredClone(DEFAULT_PREFERENCES);
  private readonly sources = new Map<keyof Preferences, PreferenceSource>();
  /** What the file holds (only the keys written there). */
  private fileValues: Partial<Preferences> = {};
  private readonly listeners = new Set<(prefs: Preferences) => void>();
  private writing: Promise<void> = Promise.resolve();

  constructor(configDir: string) {
    this.file = path.join(configDir, PREFERENCES_FILE);
  }

  /**
   * Reads the file and applies the flags over it. A file that is not valid JSON or holds a bad
   * value is an error naming the file (the worker refuses to start rather than guess).
   */
  async load(flags: Partial<Preferences>): Promise<void> {
    const text = await readFile(this.file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    if (text !== null) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        throw new PreferenceError([`${this.file} is not valid JSON: ${(error as Error).message}`]);
      }
      try {
        this.fileValues = checkUpdate(parsed);
      } catch (error) {
        throw new PreferenceError((error as PreferenceError).problems.map((problem) => `${this.file}: ${problem}`));
      }
      this.apply(this.fileValues, 'file');
    }
    this.apply(checkUpdate(flags), 'flag');
  }

  get preferences(): Preferences {
    return this.current;
  }

  sourceOf(key: keyof Preferences): PreferenceSource {
    return this.sources.get(key) ?? 'default';
  }

  /** Every preference with its value and source (for the page and doctor). */
  describe(): { key: keyof Preferences; value: unknown; source: PreferenceSource }[] {
    return PREFERENCE_KEYS.map((key) => ({ key, value: this.current[key], source: this.sourceOf(key) }));
  }

  /** A change from the page: checked (a PreferenceError changes nothing), applied, written to the file. */
  async update(input: unknown): Promise<Preferences> {
    const change = checkUpdate(input);
    this.apply(change, 'page');
    this.fileValues = { ...this.fileValues, ...change };
    const snapshot = `${JSON.stringify(this.fileValues, null, 2)}\n`;
    const write = this.writing.then(() => writeFileAtomic(this.file, snapshot));
    this.writing = write.catch(() => {});
    await write;
    return this.current;
  }

  onChange(listener: (prefs: Preferences) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private apply(change: Partial<Preferences>, source: PreferenceSource): void {
    const keys = Object.keys(change) as (keyof Preferences)[];
    if (!keys.length) return;
    this.current = { ...this.current, ...change };
    for (const key of keys) this.sources.set(key, source);
    for (const listener of [...this.listeners]) listener(this.current);
  }
}
