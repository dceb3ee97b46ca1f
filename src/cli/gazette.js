#!/usr/bin/env node
// The `gazette` command. Gazette is TypeScript run through the tsx loader, so `npx gazette`
// works straight after `npm install` with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
