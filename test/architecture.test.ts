/**
 * The module boundaries of ../shared/STYLE.md ("Boundaries"), checked over the import statements of
 * every production file under `src/` (tests excluded), plus a cycle check over the module graph.
 *
 * Layers (by the first folder under `src/`):
 * - `domain` imports nothing of ours. `metrics` is a shared leaf like `domain` (it imports only
 *   prom-client), so any layer that records metrics may import it.
 * - `config`, `store`, `rate-limit`, `sinks` import only `domain` (and `metrics`).
 * - `platforms/<p>/` imports `domain` and `platforms/connector.ts`, never another platform;
 *   `platforms/connector.ts` imports only `domain`; `platforms/index.ts` is the registry that builds
 *   every platform's adapter, so it may import each platform folder.
 * - `scheduler`, `worker` import all of the above. The scheduler may also import `worker/jobs.ts`, the one
 *   catalogue of job names and payloads both sides of the queue share; the worker never imports the
 *   scheduler.
 * - `api`, `cli` import `domain`, `config`, `metrics`, and only the *types* of services handed in by
 *   `runtime` (type-only imports of store, rate-limit, sinks, scheduler, worker, platforms). The CLI
 *   is the process entry point, so it also calls into `runtime` (the composition root that builds and
 *   hands over the services); it never builds a store, a limiter or a connection itself.
 * - `runtime` imports anything but the simulator and the demo.
 * - `simulator` is a stand-in for the platforms: it imports only `domain`. `demo` (the harness behind the
 *   demo command, the end-to-end tests and the benchmarks) may import anything. Production code never
 *   imports either; only the CLI (its demo/simulator commands) may.
 * - `ioredis` only in store, rate-limit, sinks, runtime; `bullmq` only in scheduler, worker, sinks, runtime;
 *   `process.env` only in config and cli.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const SRC = join(ROOT, 'src');

/** One import (or re-export, or dynamic import) of one file. */
interface ImportEdge {
  /** The importing file, relative to `src/`. */
  from: string;
  /** The specifier as written. */
  specifier: string;
  /** For a relative specifier, the imported file relative to `src/`; otherwise null. */
  target: string | null;
  /** True when the import brings in types only (erased at run time). */
  isTypeOnly: boolean;
}

/**
 * Narrow, documented exceptions: `from` file, `specifier` or resolved target, and why. Each one must
 * still be needed (a stale exception fails the test), so the list only shrinks.
 */
const EXCEPTIONS: readonly { from: string; imports: string; reason: string }[] = [];

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : [full];
  });
}

function productionFiles(): string[] {
  return walk(SRC)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => relative(SRC, f).split('\\').join('/'))
    .sort();
}

function resolveRelative(from: string, specifier: string): string {
  const abs = resolve(dirname(join(SRC, from)), specifier.replace(/\.js$/, '.ts'));
  return relative(SRC, abs).split('\\').join('/');
}

function isTypeOnlyImport(node: ts.ImportDeclaration | ts.ExportDeclaration): boolean {
  if (ts.isExportDeclaration(node)) {
    if (node.isTypeOnly) return true;
    const clause = node.exportClause;
    return !!clause && ts.isNamedExports(clause) && clause.elements.every((e) => e.isTypeOnly);
  }
  const clause = node.importClause;
  if (!clause) return false; // a side-effect import runs the module
  if (clause.isTypeOnly) return true;
  if (clause.name) return false;
  const bindings = clause.namedBindings;
  return !!bindings && ts.isNamedImports(bindings) && bindings.elements.every((e) => e.isTypeOnly);
}

/** Parses one file: its imports and whether it reads `process.env`. */
function parseFile(file: string): { edges: ImportEdge[]; readsEnv: boolean } {
  const text = readFileSync(join(SRC, file), 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const edges: ImportEdge[] = [];
  let readsEnv = false;
  const add = (specifier: string, isTypeOnly: boolean): void => {
    const target = specifier.startsWith('.') ? resolveRelative(file, specifier) : null;
    edges.push({ from: file, specifier, target, isTypeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      add(node.moduleSpecifier.text, isTypeOnlyImport(node));
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      add(node.arguments[0].text, false);
    } else if (
      ts.isPropertyAccessExpression(node) &&
      node.name.text === 'env' &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === 'process'
    ) {
      readsEnv = true;
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { edges, readsEnv };
}

/** The layer of a file: its first folder under `src/`. */
function layerOf(file: string): string {
  return file.split('/')[0]!;
}

/** The platform folder a file lives in (`platforms/x/…` → `x`), or null. */
function platformOf(file: string): string | null {
  const parts = file.split('/');
  return parts[0] === 'platforms' && parts.length > 2 ? parts[1]! : null;
}

const LEAVES = ['domain', 'metrics'];
const BASE = [...LEAVES, 'config', 'store', 'rate-limit', 'sinks', 'platforms'];
const SERVICES = ['store', 'rate-limit', 'sinks', 'scheduler', 'worker', 'platforms'];

/** Why an import of `edge.target` from `edge.from` breaks the table, or null when it is allowed. */
function ruleBrokenBy(edge: ImportEdge & { target: string }): string | null {
  const from = layerOf(edge.from);
  const to = layerOf(edge.target);
  if (from === to && from !== 'platforms' && from !== 'scheduler' && from !== 'worker') return null;
  if ((to === 'simulator' || to === 'demo') && from !== to) {
    // Only the CLI's demo/simulator commands and the demo harness itself start them.
    return from === 'cli' || from === 'demo' ? null : `${to} is never imported by production code`;
  }
  switch (from) {
    case 'domain':
    case 'metrics':
      return from === to ? null : `${from} imports nothing of ours`;
    case 'config':
    case 'store':
    case 'rate-limit':
    case 'sinks':
      return LEAVES.includes(to) ? null : `${from} may import only domain`;
    case 'platforms': {
      const own = platformOf(edge.from);
      const theirs = platformOf(edge.target);
      if (LEAVES.includes(to)) return null;
      if (to !== 'platforms') return 'platforms may import only domain and platforms/connector.ts';
      if (edge.from === 'platforms/index.ts') return null; // the registry of all platforms
      if (edge.target === 'platforms/connector.ts') return null;
      if (own !== null && own === theirs) return null;
      if (edge.from === 'platforms/connector.ts') return 'connector.ts may import only domain';
      return `platforms/${own ?? '?'} may not import ${edge.target}`;
    }
    case 'scheduler':
      if (to === 'scheduler' || BASE.includes(to)) return null;
      if (edge.target === 'worker/jobs.ts') return null; // the shared job catalogue
      return 'scheduler may import domain, config, store, rate-limit, sinks, platforms, worker/jobs.ts';
    case 'worker':
      return to === 'worker' || BASE.includes(to)
        ? null
        : 'worker may import domain, config, store, rate-limit, sinks, platforms';
    case 'api':
    case 'cli':
      if ([...LEAVES, 'config', from].includes(to)) return null;
      if (from === 'cli' && to === 'runtime') return null; // the entry point asks the composition root
      if (edge.isTypeOnly && SERVICES.includes(to)) return null;
      return `${from} may import domain, config and the types of services`;
    case 'runtime':
    case 'demo':
      return null;
    case 'simulator':
      return LEAVES.includes(to) ? null : 'simulator may import only domain';
    default:
      return `no rule for layer ${from}: add it to STYLE.md and this test`;
  }
}

/** Why an import of a package breaks the table, or null. */
function packageRuleBrokenBy(edge: ImportEdge): string | null {
  const from = layerOf(edge.from);
  if (edge.specifier === 'ioredis' && !['store', 'rate-limit', 'sinks', 'runtime'].includes(from)) {
    return 'ioredis lives in store, rate-limit, sinks and runtime';
  }
  if (edge.specifier === 'bullmq' && !['scheduler', 'worker', 'sinks', 'runtime'].includes(from)) {
    return 'bullmq lives in scheduler, worker, sinks and runtime';
  }
  return null;
}

function isExcepted(edge: ImportEdge): boolean {
  return EXCEPTIONS.some(
    (e) => e.from === edge.from && (e.imports === edge.specifier || e.imports === edge.target),
  );
}

/** Every cycle in the graph, each as the list of files around it (found by DFS, one per back edge). */
function findCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const seen = state.get(next);
      if (seen === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (seen === undefined) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}

describe('architecture boundaries', () => {
  const files = productionFiles();
  const parsed = new Map(files.map((f) => [f, parseFile(f)]));
  const edges = [...parsed.values()].flatMap((p) => p.edges);

  it('finds the production files and their imports', () => {
    expect(files).toContain('domain/polling-state.ts');
    expect(files).toContain('runtime/runtime.ts');
    expect(files.some((f) => f.endsWith('.test.ts'))).toBe(false);
    expect(edges.filter((e) => e.target !== null).length).toBeGreaterThan(100);
  });

  it('resolves every relative import to a file under src/', () => {
    const unresolved = edges.filter(
      (e) => e.target !== null && (e.target.startsWith('..') || !files.includes(e.target)),
    );
    expect(unresolved.map((e) => `${e.from} -> ${e.specifier}`)).toEqual([]);
  });

  it('keeps every import within the layer table of STYLE.md', () => {
    const broken = edges
      .filter((e): e is ImportEdge & { target: string } => e.target !== null)
      .filter((e) => !isExcepted(e))
      .flatMap((e) => {
        const why = ruleBrokenBy(e);
        return why ? [`${e.from} -> ${e.target}: ${why}`] : [];
      });
    expect(broken).toEqual([]);
  });

  it('keeps ioredis and bullmq in the layers that own connections', () => {
    const broken = edges
      .filter((e) => !isExcepted(e))
      .flatMap((e) => {
        const why = packageRuleBrokenBy(e);
        return why ? [`${e.from} -> ${e.specifier}: ${why}`] : [];
      });
    expect(broken).toEqual([]);
  });

  it('reads process.env only in config and cli', () => {
    const readers = files.filter(
      (f) => parsed.get(f)!.readsEnv && !['config', 'cli'].includes(layerOf(f)),
    );
    expect(readers).toEqual([]);
  });

  it('has no import cycle among the modules', () => {
    const graph = new Map(
      files.map((f) => [
        f,
        parsed
          .get(f)!
          .edges.flatMap((e) => (e.target !== null && files.includes(e.target) ? [e.target] : [])),
      ]),
    );
    expect(findCycles(graph).map((c) => c.join(' -> '))).toEqual([]);
  });

  it('lists only exceptions that are still needed', () => {
    const stale = EXCEPTIONS.filter(
      (x) => !edges.some((e) => e.from === x.from && [e.specifier, e.target].includes(x.imports)),
    ).map((x) => `${x.from} -> ${x.imports}`);
    expect(stale).toEqual([]);
  });

  it('detects a cycle and a broken rule (self-check of the checker)', () => {
    const cycles = findCycles(
      new Map([
        ['a.ts', ['b.ts']],
        ['b.ts', ['c.ts']],
        ['c.ts', ['a.ts']],
        ['d.ts', ['a.ts']],
      ]),
    );
    expect(cycles).toEqual([['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
    const edge = (from: string, target: string, isTypeOnly = false) => ({
      from,
      specifier: '',
      target,
      isTypeOnly,
    });
    expect(ruleBrokenBy(edge('domain/a.ts', 'store/keys.ts'))).not.toBeNull();
    expect(ruleBrokenBy(edge('platforms/x/a.ts', 'platforms/tiktok/b.ts'))).not.toBeNull();
    expect(ruleBrokenBy(edge('platforms/x/a.ts', 'platforms/connector.ts'))).toBeNull();
    expect(ruleBrokenBy(edge('worker/a.ts', 'scheduler/b.ts'))).not.toBeNull();
    expect(ruleBrokenBy(edge('api/a.ts', 'store/b.ts'))).not.toBeNull();
    expect(ruleBrokenBy(edge('api/a.ts', 'store/b.ts', true))).toBeNull();
    expect(ruleBrokenBy(edge('runtime/a.ts', 'simulator/index.ts'))).not.toBeNull();
    expect(packageRuleBrokenBy({ ...edge('api/a.ts', ''), specifier: 'ioredis' })).not.toBeNull();
  });
});
