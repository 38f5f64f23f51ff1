import { randomBytes } from 'node:crypto';
import type { StoredKey } from '../store/types.js';

/** An access key as the verifier sees it: the stored key with its SK opened. */
export type ApiKey = StoredKey;

/** May this key act on `vdnId`? Calls that name no VDN are reachable by all-VDN keys only. */
export function canAccessVdn(key: Pick<ApiKey, 'vdns'>, vdnId: number | null): boolean {
  if (key.vdns === 'all') return true;
  return vdnId !== null && key.vdns.includes(vdnId);
}

export function generateAk(): string {
  return 'ak' + randomBytes(12).toString('hex');
}

export function generateSk(): string {
  return randomBytes(24).toString('base64url');
}
