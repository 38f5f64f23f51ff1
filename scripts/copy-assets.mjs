// Copies the non-TypeScript files the build needs (SQL migrations) next to the compiled code.
import { cpSync } from 'node:fs';

cpSync('src/store/sqlite/migrations', 'dist/store/sqlite/migrations', { recursive: true });
