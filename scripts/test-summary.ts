/**
 * Prints the suite's closing line from vitest's JSON report, and fails when a test was
 * skipped or left as todo: a skipped test never counts as passing.
 */
import { readFileSync } from 'node:fs';

interface VitestReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  success: boolean;
}

const path = process.argv[2] ?? 'test-results/vitest.json';
let report: VitestReport;
try {
  report = JSON.parse(readFileSync(path, 'utf8')) as VitestReport;
} catch (error) {
  console.error(`test: no test report at ${path} (${String(error)})`);
  console.log('tests: 0 passed, 1 failed');
  process.exit(1);
}
const skipped = report.numPendingTests + report.numTodoTests;
console.log(
  `tests: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${skipped} skipped`,
);
if (skipped > 0)
  console.error('test: skipped or todo tests are not allowed; make them run or remove them');
process.exit(report.success && report.numFailedTests === 0 && skipped === 0 ? 0 : 1);
