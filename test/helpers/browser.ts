import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium (never a downloaded browser), with the flags this machine needs. */
export const CHROMIUM = process.env.CALLLOGS_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Whether browser tests can run. Under CI=true a missing Chromium is a failure, not a skip;
 * elsewhere the tests skip with a visible message.
 */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI === 'true') throw new Error(`CI=true but ${CHROMIUM} is missing: .ci/run installs Debian's chromium`);
  console.warn(`browser tests skipped: ${CHROMIUM} not found (apt-get install -y chromium)`);
  return false;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
}
