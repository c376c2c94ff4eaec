#!/usr/bin/env node
// Runs the TypeScript command line through tsx, so `npx engagement-poller …` works from a clone.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
