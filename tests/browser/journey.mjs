// Opens the journey page of a running API in headless chromium, waits until the waterfall of one request shows its
// whole tree ended, and prints what a user sees as JSON on stdout: the recent list and the waterfall's rows.
// Usage: node journey.mjs <base-url> <request-id> <screenshot.png> [api-key]
// The browser is Debian's chromium (CHROMIUM_PATH overrides /usr/bin/chromium); nothing is downloaded.
import { chromium } from 'playwright-core';

const [baseUrl, requestId, screenshot, apiKey] = process.argv.slice(2);
if (!baseUrl || !requestId || !screenshot) {
  console.error('usage: node journey.mjs <base-url> <request-id> <screenshot.png> [api-key]');
  process.exit(2);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-dev-shm-usage'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 600 }, deviceScaleFactor: 1 });
  const problems = [];
  page.on('pageerror', e => problems.push(`page error: ${e.message}`));
  page.on('console', m => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });

  if (apiKey) {
    // As if the user had typed the key in before: the page keeps it for the tab.
    await page.addInitScript(key => sessionStorage.setItem('trustchain.apiKey', key), apiKey);
  }
  await page.goto(`${baseUrl}/journeys#${encodeURIComponent(requestId)}`);

  // The request's row in the recent list, and a waterfall where no request of the tree is still running.
  await page.waitForSelector(`#recent-table tr[data-request-id="${requestId}"]`, { timeout: 20000 });
  await page.waitForFunction(
    id => {
      const rows = [...document.querySelectorAll('#waterfall .row')];
      return rows.some(r => r.dataset.kind === 'request' && r.dataset.requestId === id && r.dataset.status !== 'Running')
        && rows.filter(r => r.dataset.kind === 'request').every(r => r.dataset.status !== 'Running')
        && rows.filter(r => r.dataset.kind === 'worker').every(r => !['Pending', 'Waiting'].includes(r.dataset.status));
    },
    requestId,
    { timeout: 20000 });

  const seen = await page.evaluate(() => ({
    title: document.querySelector('#journey-head h2')?.textContent ?? null,
    recent: [...document.querySelectorAll('#recent-table tbody tr')].map(r => ({
      requestId: r.dataset.requestId, status: r.dataset.status, selected: r.classList.contains('selected'),
    })),
    rows: [...document.querySelectorAll('#waterfall .row')].map(r => ({
      kind: r.dataset.kind,
      depth: Number(r.dataset.depth),
      label: r.querySelector('.name')?.textContent ?? '',
      status: r.dataset.status,
      requestId: r.dataset.requestId ?? null,
      topic: r.dataset.topic ?? null,
      worker: r.dataset.worker ?? null,
      bars: r.querySelectorAll('.bar').length,
      rejected: r.querySelectorAll('.mark.rejected').length,
      decided: r.querySelectorAll('.mark.decided').length,
    })),
  }));
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(JSON.stringify({ ...seen, problems }));
} finally {
  await browser.close();
}
