// Runs before `npm test`: the sample app's dashboard test drives Debian's Chromium through
// playwright-core (no browser download). Installs it with apt-get when missing and allowed (root
// with apt-get, as on the project's machines and CI); otherwise says how, in one line.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

if (!existsSync(CHROMIUM)) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!isRoot || !hasApt) {
    console.error(
      `Chromium not found at ${CHROMIUM} (the dashboard test needs it): install it (apt-get install chromium) and run npm test again.`,
    );
    process.exit(1);
  }
  console.log('Chromium not found: installing Debian\'s chromium package for the dashboard test (about a minute)...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', 'chromium']]) {
    const result = spawnSync('apt-get', args, { stdio: 'inherit', env });
    if (result.status !== 0) {
      console.error(`apt-get ${args.join(' ')} failed: install chromium by hand and run npm test again.`);
      process.exit(1);
    }
  }
}
