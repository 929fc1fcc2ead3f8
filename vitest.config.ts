import { defaultClientConditions, defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// Workspace packages export `@im/source` → src/*.ts ahead of dist/: with this condition, tests
// import each other's sources and need no build. Node-environment tests resolve through
// ssr.resolve.conditions (Vitest also passes it to its workers as `--conditions`, so Node's own
// resolver agrees); resolve.conditions covers client-like environments (jsdom). Setting either
// replaces Vite's defaults, so they are kept ('import' and 'default' always apply on top).
// libs/testkit/test/source-condition.test.ts fails if this stops working.
const SOURCE_CONDITION = '@im/source';

export default defineConfig({
  resolve: { conditions: [SOURCE_CONDITION, ...defaultClientConditions] },
  ssr: { resolve: { conditions: [SOURCE_CONDITION, ...defaultServerConditions] } },
  test: {
    include: ['**/test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', '**/.tools/**', '**/.data/**'],
    // Integration tests start real servers (nats-server, FerretDB) and service processes.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Child processes and native sockets behave best in forked workers; two cores, two files at a time.
    pool: 'forks',
    maxWorkers: 2,
  },
});
