import { BoundedMap } from '../contract/bounded-map.js';
import { fieldKey } from '../contract/call-vdn.js';

/**
 * Masking of sensitive values in a recorded `request`. Field names are compared lower-cased with
 * `_` and `-` removed, so `server_pwd`, `serverPwd` and `SERVER-PWD` are one name.
 */
export interface RedactionRules {
  /** Fields whose whole value is replaced. */
  secretFields: string[];
  /** Fields whose name contains one of these are secret too (`client_secret`, `userPassword`). */
  secretFieldParts: string[];
  /** Fields holding phone numbers: only the first 3 and last 4 digits are kept. */
  phoneFields: string[];
  /**
   * A regular expression (source text) for phone numbers inside any other string value; each
   * match not touching other digits is masked like a phone field. `null` turns it off.
   */
  phoneValuePattern: string | null;
}

export const DEFAULT_REDACTION: RedactionRules = {
  secretFields: [
    'password', 'passwd', 'pwd', 'serverpwd', 'sk', 'secret', 'secretkey', 'token', 'accesstoken',
    'refreshtoken', 'authorization', 'apikey', 'privatekey', 'credential', 'credentials',
  ],
  secretFieldParts: ['password', 'passwd', 'pwd', 'secret', 'token', 'credential', 'privatekey', 'apikey'],
  phoneFields: ['calledno', 'callerno', 'calleeno', 'phone', 'phoneno', 'phonenumber', 'mobile', 'mobileno', 'telephone', 'callno', 'callnos'],
  // 11 to 15 digits: mobile numbers (11 in China) up to the longest E.164 number.
  phoneValuePattern: '\\+?\\d{11,15}',
};

export const SECRET_MASK = '******';
/** Deeper values are not recorded: it bounds the work and keeps serialization off deep recursion. */
export const MAX_DEPTH = 32;
export const TOO_DEEP = '[nested too deep]';

export type Redactor = (value: unknown) => unknown;

type FieldKind = 'secret' | 'phone' | 'other';

const isDigit = (code: number): boolean => code >= 0x30 && code <= 0x39;

/**
 * `13812341234` → `138****1234`; numbers of fewer than 8 digits are masked whole. Character codes,
 * not a regular expression with a callback per digit: a bulk call carries thousands of numbers, and
 * the callbacks cost most of its record (bench/large-calls.mjs).
 */
export function maskPhone(value: string): string {
  let digits = 0;
  for (let i = 0; i < value.length; i += 1) if (isDigit(value.charCodeAt(i))) digits += 1;
  // Digits only, as most numbers to call are: three pieces, not a piece per character.
  if (digits === value.length && digits >= 8) return value.slice(0, 3) + '*'.repeat(digits - 7) + value.slice(-4);
  let masked = '';
  let seen = 0;
  for (let i = 0; i < value.length; i += 1) {
    if (!isDigit(value.charCodeAt(i))) {
      masked += value[i];
      continue;
    }
    seen += 1;
    masked += digits >= 8 && (seen <= 3 || seen > digits - 4) ? value[i] : '*';
  }
  return masked;
}

export function createRedactor(rules: RedactionRules = DEFAULT_REDACTION): Redactor {
  const secretNames = new Set(rules.secretFields.map(fieldKey));
  const secretParts = rules.secretFieldParts.map(fieldKey);
  const phoneNames = new Set(rules.phoneFields.map(fieldKey));
  const kinds = new BoundedMap<string, FieldKind>(4096);
  /** What a field is, by its name as given: a large body repeats a few names thousands of times. */
  const kindOf = (key: string): FieldKind => {
    let kind = kinds.get(key);
    if (kind === undefined) {
      const name = fieldKey(key);
      kind = secretNames.has(name) || secretParts.some((part) => name.includes(part)) ? 'secret' : phoneNames.has(name) ? 'phone' : 'other';
      kinds.set(key, kind);
    }
    return kind;
  };
  const phoneRuns = rules.phoneValuePattern === null ? undefined : new RegExp(`(?<!\\d)(?:${rules.phoneValuePattern})(?!\\d)`, 'g');
  const maskRuns = (text: string): string => (phoneRuns ? text.replace(phoneRuns, maskPhone) : text);

  const maskPhones = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string' || typeof value === 'number') return maskPhone(String(value));
    if (Array.isArray(value) && depth < MAX_DEPTH) return value.map((v) => maskPhones(v, depth + 1));
    return walk(value, depth);
  };

  const walk = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') return maskRuns(value);
    if (typeof value !== 'object' || value === null) return value;
    if (depth >= MAX_DEPTH) return TOO_DEEP;
    if (Array.isArray(value)) return value.map((v) => walk(v, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const kind = kindOf(k);
      if (kind === 'secret') out[k] = SECRET_MASK;
      else if (kind === 'phone') out[k] = maskPhones(v, depth + 1);
      else out[k] = walk(v, depth + 1);
    }
    return out;
  };

  return (value) => walk(value, 0);
}
