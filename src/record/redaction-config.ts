import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_REDACTION, type RedactionRules } from './redact.js';

/**
 * A redaction config file (JSON or YAML; YAML is a superset, so one parser reads both):
 *
 *   useDefaults: true          # false: start from empty lists instead of the built-in ones
 *   secretFields: [pin]        # added to the defaults: values replaced entirely
 *   secretFieldParts: [otp]    # added to the defaults: names containing these are secret too
 *   phoneFields: [contactTel]  # added to the defaults: first 3 and last 4 digits kept
 *   phoneValuePattern: '\+?\d{11,15}'   # phone numbers inside other strings; null: off
 */
export class RedactionConfigError extends Error {
  constructor(file: string, problem: string) {
    super(`redaction config ${file}: ${problem}`);
    this.name = 'RedactionConfigError';
  }
}

const KNOWN_FIELDS = new Set(['useDefaults', 'secretFields', 'secretFieldParts', 'phoneFields', 'phoneValuePattern']);

function nameList(file: string, value: unknown, field: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v.length > 0)) {
    throw new RedactionConfigError(file, `${field}: must be a list of field names`);
  }
  return value as string[];
}

/** Reads the rules a config file describes, on top of the defaults unless it says otherwise. */
export function loadRedactionRules(file: string): RedactionRules {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new RedactionConfigError(file, `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let config: unknown;
  try {
    config = parseYaml(text);
  } catch (error) {
    throw new RedactionConfigError(file, `is not valid JSON or YAML: ${(error as Error).message.split('\n', 1)[0]}`);
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new RedactionConfigError(file, 'must be an object of settings');
  }
  const fields = config as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((k) => !KNOWN_FIELDS.has(k));
  if (unknown.length > 0) throw new RedactionConfigError(file, `unknown setting ${unknown.join(', ')}`);
  if (fields.useDefaults !== undefined && typeof fields.useDefaults !== 'boolean') {
    throw new RedactionConfigError(file, 'useDefaults: must be true or false');
  }
  const base = fields.useDefaults === false
    ? { secretFields: [], secretFieldParts: [], phoneFields: [], phoneValuePattern: null }
    : DEFAULT_REDACTION;
  let phoneValuePattern = base.phoneValuePattern;
  if (fields.phoneValuePattern !== undefined) {
    if (fields.phoneValuePattern !== null && typeof fields.phoneValuePattern !== 'string') {
      throw new RedactionConfigError(file, 'phoneValuePattern: must be a regular expression or null');
    }
    phoneValuePattern = fields.phoneValuePattern;
  }
  if (phoneValuePattern !== null) {
    try {
      new RegExp(phoneValuePattern);
    } catch {
      throw new RedactionConfigError(file, 'phoneValuePattern: is not a valid regular expression');
    }
  }
  return {
    secretFields: [...base.secretFields, ...nameList(file, fields.secretFields, 'secretFields')],
    secretFieldParts: [...base.secretFieldParts, ...nameList(file, fields.secretFieldParts, 'secretFieldParts')],
    phoneFields: [...base.phoneFields, ...nameList(file, fields.phoneFields, 'phoneFields')],
    phoneValuePattern,
  };
}
