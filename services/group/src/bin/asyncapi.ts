import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { groupAsyncApiText } from '../asyncapi.js';

/** Writes services/group/asyncapi.json from the contracts. */
const target = fileURLToPath(new URL('../../asyncapi.json', import.meta.url));
writeFileSync(target, groupAsyncApiText());
process.stdout.write(`asyncapi: wrote ${target}\n`);
