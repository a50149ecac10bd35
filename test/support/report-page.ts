import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

/** Debian's chromium (build-tools/setup-chromium.sh installs it); playwright-core never downloads a browser. */
const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** One drawn bar or point: its label, the text written next to it and its size on screen. */
export interface DrawnMark {
  readonly label: string;
  readonly text: string;
  readonly width: number;
  readonly height: number;
}

/** What a reader sees in the report, read from the DOM Chromium rendered. */
export interface RenderedReport {
  readonly screenshot: Buffer;
  readonly title: string;
  readonly successBars: readonly DrawnMark[];
  readonly codeBars: readonly DrawnMark[];
  readonly runPoints: readonly DrawnMark[];
  readonly failureRows: readonly { key: string; code: string; error: string; fields: string }[];
  readonly summaryRows: readonly string[][];
  /** Requests for anything but the report file itself (a self-contained report makes none). */
  readonly otherRequests: readonly string[];
  /** Whether a script in the data ran (it must not). */
  readonly scriptRan: boolean;
}

/** Opens an HTML report in headless Chromium with a fresh profile, screenshots it and reads its charts and tables. */
export async function renderReport(file: string, screenshotPath: string): Promise<RenderedReport> {
  const profile = mkdtempSync(join(tmpdir(), 'sfetl-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: ARGS,
    headless: true,
    viewport: { width: 1200, height: 900 },
  });
  try {
    const page = await context.newPage();
    const url = pathToFileURL(file).href;
    const otherRequests: string[] = [];
    await page.route('**/*', (route) => {
      if (route.request().url() === url) return route.continue();
      otherRequests.push(route.request().url());
      return route.abort();
    });
    await page.goto(url, { waitUntil: 'load' });
    const screenshot = await page.screenshot({ path: screenshotPath, fullPage: true });
    const marks = (selector: string) =>
      page.$$eval(selector, (nodes) =>
        nodes.map((n) => {
          const shape = n.querySelector('rect, circle') as unknown as {
            getBoundingClientRect(): { width: number; height: number };
          };
          const box = shape.getBoundingClientRect();
          return {
            label: n.getAttribute('data-label') ?? n.getAttribute('data-x') ?? '',
            text: n.querySelector('text.value')?.textContent ?? '',
            width: box.width,
            height: box.height,
          };
        }),
      );
    return {
      screenshot,
      title: await page.title(),
      successBars: await marks('#chart-success-rate g.bar'),
      codeBars: await marks('#chart-error-codes g.bar'),
      runPoints: await marks('#chart-runs g.point'),
      failureRows: await page.$$eval('#failures tbody tr', (rows) =>
        rows.map((r) => ({
          key: r.querySelector('td.key')?.textContent ?? '',
          code: r.querySelector('td.code')?.textContent ?? '',
          error: r.querySelector('td.error')?.textContent ?? '',
          fields: r.querySelector('td.fields')?.textContent ?? '',
        })),
      ),
      summaryRows: await page.$$eval('#summary tbody tr', (rows) =>
        rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent ?? '')),
      ),
      otherRequests,
      scriptRan: (await page.evaluate('window.pwned === true')) === true,
    };
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

/** A PNG file starts with these eight bytes. */
export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
