import { readFileSync } from 'node:fs';
import { parseCheckpointText, type Checkpoint } from '../integrity/checkpoint.js';
import { CliError } from './cli-error.js';

/**
 * The signed checkpoints a file saved earlier holds: what GET /checkpoints/latest answered, or one
 * signed note as a log line or the proof interface gave it.
 */
export function readCheckpointNotes(file: string, option: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`${option} ${file}: cannot be read (${(error as NodeJS.ErrnoException).code})`);
  }
  if (!text.trimStart().startsWith('{')) return [text];
  try {
    const parsed = JSON.parse(text) as { checkpoints?: { checkpoint?: unknown }[] };
    return (parsed.checkpoints ?? []).map((c) => String(c.checkpoint));
  } catch {
    throw new CliError(`${option} ${file}: not JSON from GET /checkpoints/latest nor a signed note`);
  }
}

/** The text of a signed note's checkpoint, read without its signature (to ask for a proof from its size). */
export function unsignedCheckpoint(note: string): Checkpoint | undefined {
  try {
    return parseCheckpointText(note.slice(0, note.lastIndexOf('\n\n') + 1));
  } catch {
    return undefined;
  }
}
