import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { REAL_TIME_TESTS } from './tiers.ts';

/**
 * vitest's own order (tier by tier; in a tier, files that failed last time first, then the
 * longest), except that the real-time files (test/tiers.ts, REAL_TIME_TESTS) come last in their
 * tier: by then `npm test`'s wait-bound files, running beside (scripts/test.sh), are most likely
 * done, and sound decoded in real time has the two cores to itself.
 */
export class RealTimeLastSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const tierRank = new Map<string, number>();
    for (const spec of sorted)
      if (!tierRank.has(spec.project.name)) tierRank.set(spec.project.name, tierRank.size);
    const realTime = (spec: TestSpecification) =>
      REAL_TIME_TESTS.some((file) => spec.moduleId.endsWith(`/${file}`)) ? 1 : 0;
    const index = new Map(sorted.map((spec, position) => [spec, position]));
    return [...sorted].sort(
      (a, b) =>
        (tierRank.get(a.project.name) ?? 0) - (tierRank.get(b.project.name) ?? 0) ||
        realTime(a) - realTime(b) ||
        (index.get(a) ?? 0) - (index.get(b) ?? 0),
    );
  }
}
