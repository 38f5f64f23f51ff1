import type { Credentials } from './api.js';

/** The key lives in this tab's session storage only: gone when the tab closes, never sent. */
const KEY = 'calllogs.console.key';

export function loadCredentials(): (Credentials & { vdn: number }) | undefined {
  try {
    const saved = JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as (Credentials & { vdn: number }) | null;
    return saved && typeof saved.ak === 'string' && typeof saved.sk === 'string' ? saved : undefined;
  } catch {
    return undefined;
  }
}

export function saveCredentials(credentials: Credentials & { vdn: number }): void {
  sessionStorage.setItem(KEY, JSON.stringify(credentials));
}

export function forgetCredentials(): void {
  sessionStorage.removeItem(KEY);
}
