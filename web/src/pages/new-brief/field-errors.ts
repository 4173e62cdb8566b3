// The API's field-level errors (ValidationError.fieldErrors), addressed by path, for inline display.

export interface FieldError {
  path: readonly string[];
  message: string;
}

export class FieldErrors {
  private readonly byPath = new Map<string, string[]>();

  constructor(errors: readonly FieldError[] = []) {
    for (const error of errors) {
      const key = error.path.join('\u0000');
      this.byPath.set(key, [...(this.byPath.get(key) ?? []), error.message]);
    }
  }

  get size(): number {
    return this.byPath.size;
  }

  /** Messages for exactly this path, e.g. ["searchSpace", "lr", "low"]. */
  at(...path: string[]): string | undefined {
    const key = path.join('\u0000');
    const messages = this.byPath.get(key);
    return messages?.join(' ');
  }

  /** Messages anywhere under a prefix that no field claimed exactly (e.g. choice values[3]). */
  under(...prefix: string[]): string | undefined {
    const messages: string[] = [];
    for (const [key, list] of this.byPath) {
      const path = key.split('\u0000');
      if (path.length > prefix.length && prefix.every((part, i) => path[i] === part)) {
        const rest = path.slice(prefix.length);
        messages.push(...list.map((message) => `${rest.join('.')}: ${message}`));
      }
    }
    return messages.length ? messages.join(' ') : undefined;
  }

  /** Every error as "path: message", for the summary at the top of the form. */
  all(): { path: string[]; message: string }[] {
    return [...this.byPath].flatMap(([key, messages]) => messages.map((message) => ({ path: key.split('\u0000'), message })));
  }
}
