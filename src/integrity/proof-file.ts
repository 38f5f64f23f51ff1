import { arrayJsonParts, objectJsonParts, utf8Of, type JsonText, type LogProof } from '../contract/proof.js';

/** What `calllogs export --proof` writes beside the records and `calllogs verify FILE` reads. */
export const PROOF_FILE_FORMAT = 'calllogs-proof-v2';
/** v1 listed each leaf as an object; v2's proofs list them column by column (contract/proof.ts). */
const OLDER_PROOF_FILE_FORMATS = ['calllogs-proof-v1'];

/** The format of a proof file an older calllogs wrote, if this is one. */
export function olderProofFileFormat(value: unknown): string | undefined {
  const format = (value as { format?: unknown } | null)?.format;
  return typeof format === 'string' && OLDER_PROOF_FILE_FORMATS.includes(format) ? format : undefined;
}

export interface ProofWindow {
  /** The receive-time window the records were exported for: [fromMs, toMs). */
  fromMs: number;
  toMs: number;
  proof: LogProof;
}

export interface ProofFile {
  format: typeof PROOF_FILE_FORMAT;
  vdnId: number | null;
  windows: ProofWindow[];
}

/** A proof file's bytes; each window's proof given as JSON text in parts (a store's proof is written unparsed: contract/proof.ts). */
export function proofFileBytes(vdnId: number | null, windows: { fromMs: number; toMs: number; proofJson: JsonText[] }[]): Uint8Array {
  const windowsJson = arrayJsonParts(windows.map(({ fromMs, toMs, proofJson }) => objectJsonParts({ fromMs, toMs }, { proof: proofJson })));
  return utf8Of([...objectJsonParts({ format: PROOF_FILE_FORMAT, vdnId }, { windows: windowsJson }), '\n']);
}

export function isProofFile(value: unknown): value is ProofFile {
  const file = value as ProofFile | null;
  return file?.format === PROOF_FILE_FORMAT && Array.isArray(file.windows)
    && file.windows.every((w) => Number.isSafeInteger(w.fromMs) && Number.isSafeInteger(w.toMs) && typeof w.proof === 'object' && w.proof !== null);
}
