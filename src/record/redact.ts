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

/**
 * A value's JSON text with its sensitive parts masked. A `Map` is written as an object with its
 * entries in their order (a call's parameters: any name is a field, `__proto__` and `constructor`
 * too); plain objects as `JSON.stringify` writes them, every own field included.
 */
export type Redactor = (value: unknown) => string;

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
  const runSource = rules.phoneValuePattern === null ? undefined : `(?<!\\d)(?:${rules.phoneValuePattern})(?!\\d)`;
  const phoneRuns = runSource === undefined ? undefined : new RegExp(runSource, 'g');
  // Tested first: most values hold no phone number, and a replace with a callback costs far more than a test.
  const anyPhoneRun = runSource === undefined ? undefined : new RegExp(runSource);
  const maskRuns = (text: string): string => (phoneRuns && anyPhoneRun!.test(text) ? text.replace(phoneRuns, maskPhone) : text);

  /** `"key":value`, or undefined for a value JSON leaves out. */
  const fieldJson = (key: string, value: unknown, depth: number): string | undefined => {
    const kind = kindOf(key);
    const json = kind === 'secret' ? SECRET_JSON : kind === 'phone' ? phonesJson(value, depth) : valueJson(value, depth);
    return json === undefined ? undefined : `${stringJson(key)}:${json}`;
  };

  const objectJson = (value: object, depth: number): string => {
    const fields: string[] = [];
    const add = (field: string | undefined): void => {
      if (field !== undefined) fields.push(field);
    };
    if (value instanceof Map) for (const [key, v] of value as Map<string, unknown>) add(fieldJson(key, v, depth + 1));
    else for (const key of Object.keys(value)) add(fieldJson(key, (value as Record<string, unknown>)[key], depth + 1));
    return `{${fields.join(',')}}`;
  };

  const phonesJson = (value: unknown, depth: number): string | undefined => {
    if (typeof value === 'string' || typeof value === 'number') return stringJson(maskPhone(String(value)));
    if (Array.isArray(value) && depth < MAX_DEPTH) return `[${Array.from(value, (v) => phonesJson(v, depth + 1) ?? 'null').join(',')}]`;
    return valueJson(value, depth);
  };

  const valueJson = (value: unknown, depth: number): string | undefined => {
    if (typeof value === 'string') return stringJson(maskRuns(value));
    if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
    if (typeof value !== 'object' || value === null) return JSON.stringify(value);
    if (depth >= MAX_DEPTH) return TOO_DEEP_JSON;
    if (Array.isArray(value)) return `[${Array.from(value, (v) => valueJson(v, depth + 1) ?? 'null').join(',')}]`;
    return objectJson(value, depth);
  };

  return (value) => valueJson(value, 0) ?? 'null';
}

/** Longer strings go to JSON.stringify whole: its native scan beats a loop here. */
const PLAIN_SCAN_MAX = 64;

/**
 * A string as JSON.stringify writes it. A short one with nothing to escape (no quote, backslash,
 * control character or surrogate) is quoted as it is: a record has a few dozen such names and
 * values, and each JSON.stringify call is a trip into the runtime.
 */
function stringJson(text: string): string {
  if (text.length > PLAIN_SCAN_MAX) return JSON.stringify(text);
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(text);
  }
  return `"${text}"`;
}

const SECRET_JSON = JSON.stringify(SECRET_MASK);
const TOO_DEEP_JSON = JSON.stringify(TOO_DEEP);
