/**
 * Benchmark runner: `npm run bench -- NAME` runs `bench/NAME.bench.ts`. Each benchmark prints its
 * figures and, as its last line, one JSON object. Benchmarks are not tests.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const available = readdirSync(import.meta.dirname)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace(/\.bench\.ts$/, ''));
const name = process.argv[2];
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- NAME   (NAME: ${available.join(', ') || 'none yet'})`);
  process.exit(2);
}
const mod = (await import(pathToFileURL(join(import.meta.dirname, `${name}.bench.ts`)).href)) as {
  run: (argv: string[]) => Promise<Record<string, unknown>>;
};
const result = await mod.run(process.argv.slice(3));
console.log(JSON.stringify(result));
process.exit(0);
