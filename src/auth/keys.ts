import { randomBytes } from 'node:crypto';

/** An access key as the verifier sees it: the SK in clear, its VDN scope and state. */
export interface ApiKey {
  ak: string;
  sk: string;
  /** The VDNs the key may act on; `'all'` for an all-VDN key. */
  vdns: number[] | 'all';
  label: string;
  disabled: boolean;
  createdAt: number;
}

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
