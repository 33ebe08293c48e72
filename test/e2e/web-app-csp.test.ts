/**
 * The web app under the server's Content-Security-Policy and security headers, in Chromium and
 * Firefox: the headers are there, and the harness's CSP watch (which fails every browser test
 * that meets a violation) does see one in either browser.
 */
import { describe, expect, it } from 'vitest';
import { useWebApp } from '../harness/app-server.ts';
import { type BrowserName, testId } from '../harness/browser-page.ts';

const app = useWebApp({ firefox: true });

describe('the web app under its Content-Security-Policy', () => {
  it.each<BrowserName>(['chromium', 'firefox'])(
    'is served with the security headers, and an inline script is blocked and seen (%s)',
    async (browser) => {
      const page = await app.open('/', browser);
      const response = await fetch(`${app.server.url}/`, { headers: { accept: 'text/html' } });
      const headers = Object.fromEntries(response.headers);
      const csp = headers['content-security-policy'] ?? '';
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("script-src 'self' blob:");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).not.toMatch(/(^|\s)\*(\s|;|$)/);
      expect(headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'cross-origin-opener-policy': 'same-origin',
      });
      expect(headers['permissions-policy']).toContain('microphone=(self)');
      // The app itself loaded (its module script and styles passed the policy).
      await page.waitFor(testId('create-link'));
      app.assertNoCspViolations();

      // An injected inline script is refused, and the watch reports it.
      await page.evaluate(() => {
        const script = document.createElement('script');
        script.textContent = '(globalThis).injected = true;';
        document.body.append(script);
      });
      expect(await page.evaluate(() => (globalThis as { injected?: boolean }).injected)).toBe(
        undefined,
      );
      await expect
        .poll(() => {
          try {
            app.assertNoCspViolations();
            return 'none';
          } catch (error) {
            return (error as Error).message;
          }
        })
        .toContain('script-src');
    },
  );
});
