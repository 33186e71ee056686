/** Configuration read by the baseline backend itself (src/startupBanner.ts, src/sqliteWal.ts). */
export interface Config {
  stagedoor?: {
    /**
     * Print the static development token and a sample call once the backend is up.
     * Development only; app-config.production.yaml sets it to false.
     * @default false
     */
    printDevToken?: boolean;
    /**
     * SQLite only (development, benches): the journal mode the baseline sets on the catalog's
     * database file at start-up (src/sqliteWal.ts). `delete` is SQLite's default.
     * @default wal
     */
    sqliteJournalMode?: 'wal' | 'delete';
  };
}
