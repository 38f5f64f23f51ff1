// Copies the non-TypeScript files the build needs (SQL migrations) next to the compiled code.
import { cpSync } from 'node:fs';

for (const store of ['sqlite', 'postgres']) {
  cpSync(`src/store/${store}/migrations`, `dist/store/${store}/migrations`, { recursive: true });
}
