/**
 * Fails when a package this repository installs declares an `engines.node` that the oldest Node
 * our packages claim does not satisfy: then `npm ci` on that Node warns EBADENGINE (and fails
 * with engine-strict), and our claim is untrue. Run by `npm test`.
 */
import { readFileSync } from 'node:fs';
import semver from 'semver';

interface LockEntry {
  version?: string;
  dev?: boolean;
  engines?: { node?: string } | string[];
}
const read = (path: string) => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8'));
const lock = read('../package-lock.json') as { packages: Record<string, LockEntry> };
const claimed: string[] = [read('../package.json').engines.node];
for (const name of ['protocol', 'signal', 'modem', 'client', 'server']) {
  claimed.push(read(`../packages/${name}/package.json`).engines.node);
}
const oldest = semver.minVersion(claimed[0] ?? '')?.version;
if (!oldest || claimed.some((range) => semver.minVersion(range)?.version !== oldest)) {
  console.error(`engines: the packages claim different Node versions: ${claimed.join(', ')}`);
  process.exit(1);
}
const refused = Object.entries(lock.packages).flatMap(([path, entry]) => {
  const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
  return range && !semver.satisfies(oldest, range)
    ? [`${path}@${entry.version}: node ${range}`]
    : [];
});
if (refused.length > 0) {
  console.error(`engines: Node ${oldest} is claimed, but these packages want another:`);
  for (const line of refused) console.error(`  ${line}`);
  process.exit(1);
}
console.log(`engines: every installed package accepts Node ${oldest}`);
