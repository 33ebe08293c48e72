import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

/**
 * axe-core's accessibility checks on a Chromium page that runs under the app's CSP. A script
 * tag (`page.addScriptTag`) is an inline script there, which the policy blocks and the harness
 * counts as a violation; Playwright's `page.evaluate` of the source text goes through the
 * DevTools protocol instead, which the page's CSP does not govern, so axe runs with the page's
 * policy untouched.
 */
const axeSource = readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  /** Selectors of the elements at fault, and axe's summary of why. */
  nodes: string[];
}

/** The serious and critical violations axe finds in the page as it is now. */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.evaluate(await axeSource);
  return page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: AxeRunner }).axe;
    const results = await axe.run(document, { resultTypes: ['violations'] });
    return results.violations
      .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
      .map((violation) => ({
        id: violation.id,
        impact: violation.impact,
        help: violation.help,
        nodes: violation.nodes.map((node) => `${node.target.join(' ')}: ${node.failureSummary}`),
      }));
  });
}

/** The part of axe-core's API used here (the package's own types describe the Node side). */
interface AxeRunner {
  run(
    context: Document,
    options: { resultTypes: string[] },
  ): Promise<{
    violations: {
      id: string;
      impact: string | null;
      help: string;
      nodes: { target: string[]; failureSummary: string }[];
    }[];
  }>;
}
