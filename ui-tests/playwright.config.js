/**
 * Playwright configuration of the Data Jobs integration tests (Galata).
 *
 * The browser is the system Chromium (`apt-get install chromium`): set
 * PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 when installing the dependencies.
 * TARGET_URL (default http://localhost:8888) moves the server to another port.
 */
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

// The server the tests start listens where Galata looks: TARGET_URL.
const target = new URL(process.env.TARGET_URL || 'http://localhost:8888');

module.exports = {
  ...baseConfig,
  reporter: [['list'], ['html', { open: 'never' }]],
  timeout: 180 * 1000,
  use: {
    ...baseConfig.use,
    video: 'off',
    trace: 'off',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync'
      ]
    }
  },
  webServer: {
    command: `jlpm start --ServerApp.port=${target.port || 8888}`,
    url: `${target.origin}/lab`,
    timeout: 120 * 1000,
    reuseExistingServer: !process.env.CI
  }
};
