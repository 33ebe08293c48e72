/**
 * Prints the suite's closing line from vitest's JSON reports (one a vitest process: scripts/test.sh
 * runs the wait-bound files in a second one), and fails when a test was skipped or left as todo:
 * a skipped test never counts as passing.
 */
import { readFileSync } from 'node:fs';

interface VitestReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  success: boolean;
}

const paths = process.argv.slice(2);
if (paths.length === 0) paths.push('test-results/vitest.json');
let passed = 0;
let failed = 0;
let skipped = 0;
let success = true;
for (const path of paths) {
  let report: VitestReport;
  try {
    report = JSON.parse(readFileSync(path, 'utf8')) as VitestReport;
  } catch (error) {
    console.error(`test: no test report at ${path} (${String(error)})`);
    failed += 1;
    success = false;
    continue;
  }
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + report.numTodoTests;
  success &&= report.success;
}
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
if (skipped > 0)
  console.error('test: skipped or todo tests are not allowed; make them run or remove them');
process.exit(success && failed === 0 && skipped === 0 ? 0 : 1);
