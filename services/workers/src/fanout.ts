/** The package entry (`exports` in package.json): everything public is declared in service.ts. */
export * from './service.js';
