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

/** `13812341234` → `138****1234`; shorter numbers are masked whole. */
export function maskPhone(value: string): string {
  const digits = value.replace(/\D/g, '').length;
  if (digits < 8) return value.replace(/\d/g, '*');
  let seen = 0;
  return value.replace(/\d/g, (d) => {
    seen += 1;
    return seen <= 3 || seen > digits - 4 ? d : '*';
  });
}

export function createRedactor(rules: RedactionRules = DEFAULT_REDACTION): Redactor {
  const secretNames = new Set(rules.secretFields.map(fieldKey));
  const secretParts = rules.secretFieldParts.map(fieldKey);
  const secret = (name: string) => secretNames.has(name) || secretParts.some((part) => name.includes(part));
  const phone = new Set(rules.phoneFields.map(fieldKey));
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
      const name = fieldKey(k);
      if (secret(name)) out[k] = SECRET_MASK;
      else if (phone.has(name)) out[k] = maskPhones(v, depth + 1);
      else out[k] = walk(v, depth + 1);
    }
    return out;
  };

  return (value) => walk(value, 0);
}
