// Runs Debian's Chromium behind a Playwright server in its own Node process and
// prints the WebSocket endpoint to connect to. The browser tests connect from
// the test process: Playwright's driver compiles code from strings (new
// Function), which the JS suite forbids (--disallow-code-generation-from-strings,
// as in Workers), and this process runs without that flag. It ends when its
// parent closes stdin (or dies).
//
//   node tests/js/chromium-server.mjs /usr/bin/chromium
import { chromium } from 'playwright-core';

const server = await chromium.launchServer({
  executablePath: process.argv[2],
  args: ['--no-sandbox'], // running as root needs it
});
process.stdout.write(`${server.wsEndpoint()}\n`);
process.stdin.resume();
process.stdin.on('end', async () => {
  await server.close();
  process.exit(0);
});
