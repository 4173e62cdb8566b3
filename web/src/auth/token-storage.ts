// The API token lives in localStorage so a reload keeps the researcher signed in.
// Storage can be unavailable (private mode, blocked cookies): then the session lasts until reload.

const KEY = 'xeenet.token';

export function loadToken(): string | null {
  try {
    const value = window.localStorage.getItem(KEY);
    return value && value.trim() ? value.trim() : null;
  } catch {
    return null;
  }
}

export function saveToken(token: string): void {
  try {
    window.localStorage.setItem(KEY, token);
  } catch {
    // Not persisted; the in-memory session still works.
  }
}

export function clearToken(): void {
  try {
    window.localStorage.removeItem(KEY);
  } catch {
    // Nothing stored.
  }
}
