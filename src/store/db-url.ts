/** What a `--db` value names, without loading either store's driver. */
export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//i.test(db);
}

/** The `--db` value as it may be shown: a URL's password masked. */
export function describeStore(db: string): string {
  if (!isPostgresUrl(db)) return db;
  const url = new URL(db);
  if (url.password) url.password = '***';
  return url.toString();
}
