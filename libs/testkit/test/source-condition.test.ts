import { describe, expect, it } from 'vitest';
import * as fromSource from '../src/index.js';

describe('workspace imports in tests', () => {
  it('resolve @im/testkit to its src/ (the @im/source condition), not to an unbuilt dist/', async () => {
    // Imported by package name, as any other package's test would: the same module instance as
    // ../src/index.js proves Vitest followed the `@im/source` export condition.
    const byName = await import('@im/testkit');
    expect(byName.startStack).toBe(fromSource.startStack);
    expect(byName.repoRoot()).toBe(fromSource.repoRoot());
  });
});
