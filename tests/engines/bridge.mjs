// Drives Debian's Firefox ESR for tests/engines through Puppeteer over WebDriver BiDi.
// One JSON command per line on stdin, one JSON answer per line on stdout:
//   {"op": "goto", "url": ...}            -> {"ok": true}
//   {"op": "click", "css": ..., "navigates": true}
//   {"op": "fill", "css": ..., "value": ...}
//   {"op": "run", "script": "<function body>", "args": [...]} -> {"ok": true, "value": ...}
//   {"op": "screenshot", "path": ...}
//   {"op": "viewport", "width": ..., "height": ...}
//   {"op": "url"}                         -> {"ok": true, "value": location}
// Failures answer {"ok": false, "error": "..."}; end of input closes the browser.
import { createInterface } from "node:readline";
import puppeteer from "puppeteer-core";

const FIREFOX = process.env.TEND_FIREFOX || "/usr/bin/firefox-esr";
const NAVIGATION_MS = 20000;

const browser = await puppeteer.launch({
  browser: "firefox",
  executablePath: FIREFOX,
  headless: true,
  extraPrefsFirefox: {
    // Service workers on http://127.0.0.1 (a secure context) as on any phone.
    "dom.serviceWorkers.enabled": true,
    "dom.serviceWorkers.testing.enabled": true,
  },
});
const page = (await browser.pages())[0] || await browser.newPage();
page.setDefaultTimeout(NAVIGATION_MS);

const ops = {
  async goto({ url }) { await page.goto(url, { waitUntil: "load" }); },
  async click({ css, navigates }) {
    const element = await page.waitForSelector(css, { visible: true });
    if (!navigates) { await element.click(); return; }
    await Promise.all([page.waitForNavigation({ waitUntil: "load" }), element.click()]);
  },
  async fill({ css, value }) {
    const element = await page.waitForSelector(css, { visible: true });
    await element.evaluate(input => { input.value = ""; });
    await element.type(String(value));
  },
  async run({ script, args }) {
    // eslint-disable-next-line no-new-func
    const fn = new Function("...args", script);
    return page.evaluate(fn, ...(args || []));
  },
  async screenshot({ path }) { await page.screenshot({ path, fullPage: true }); },
  async viewport({ width, height }) { await page.setViewport({ width, height }); },
  async url() { return page.url(); },
};

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (!line.trim()) { continue; }
  const command = JSON.parse(line);
  try {
    const value = await ops[command.op](command);
    process.stdout.write(JSON.stringify({ ok: true, value: value === undefined ? null : value }) + "\n");
  } catch (error) {
    process.stdout.write(JSON.stringify({ ok: false, error: String(error && error.stack || error) }) + "\n");
  }
}
await browser.close();
