import { BoundedMap } from '../contract/bounded-map.js';
import type { KeyRepository, StoredKey } from '../store/types.js';
import { generateAk, generateSk, type ApiKey } from './keys.js';
import { isSealed, openSecret, sealSecret } from './secrets.js';

export interface NewKey {
  vdns: number[] | 'all';
  ak?: string;
  sk?: string;
  label?: string;
}

/** A key as listed: everything but the SK. */
export type KeySummary = Omit<StoredKey, 'sk'> & { encrypted: boolean };

export const DEFAULT_KEY_CACHE_MS = 5000;

/**
 * Access keys over the store: creation (sealing the SK when a master key is set), listing without
 * SKs, and the verifier's lookup. Lookups are cached for a few seconds so a signed request does not
 * cost a store read; a disable or delete, here or on another instance, takes effect within the TTL.
 */
export class KeyStore {
  private readonly cache = new BoundedMap<string, { key: ApiKey | undefined; expires: number }>(10_000);

  constructor(
    private readonly repo: KeyRepository,
    private readonly masterKey: string | undefined,
    private readonly cacheMs = DEFAULT_KEY_CACHE_MS,
  ) {}

  async create(spec: NewKey): Promise<ApiKey> {
    const key: ApiKey = {
      ak: spec.ak ?? generateAk(),
      sk: spec.sk ?? generateSk(),
      vdns: spec.vdns === 'all' ? 'all' : [...new Set(spec.vdns)].sort((a, b) => a - b),
      label: spec.label ?? '',
      disabled: false,
      createdAt: Date.now(),
    };
    const sk = this.masterKey ? sealSecret(key.sk, this.masterKey) : key.sk;
    await this.repo.insert({ ...key, sk });
    this.cache.delete(key.ak);
    return key;
  }

  /** The key with its SK opened, for verification; undefined when unknown. */
  async find(ak: string): Promise<ApiKey | undefined> {
    const now = Date.now();
    const cached = this.cache.get(ak);
    if (cached && cached.expires > now) return cached.key;
    const stored = await this.repo.get(ak);
    const key = stored && { ...stored, sk: openSecret(stored.sk, this.masterKey) };
    this.cache.set(ak, { key, expires: now + this.cacheMs });
    return key;
  }

  async list(): Promise<KeySummary[]> {
    return (await this.repo.list()).map(({ sk, ...rest }) => ({ ...rest, encrypted: isSealed(sk) }));
  }

  async setDisabled(ak: string, disabled: boolean): Promise<boolean> {
    this.cache.delete(ak);
    return this.repo.setDisabled(ak, disabled);
  }

  async delete(ak: string): Promise<boolean> {
    this.cache.delete(ak);
    return this.repo.delete(ak);
  }

  count(): Promise<number> {
    return this.repo.count();
  }
}
