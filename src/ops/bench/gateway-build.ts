// Decides what the bench runs as the gateway. A production gateway runs compiled JavaScript; running
// the sources through tsx adds a loader thread and ~35 MB of RSS, which would distort the memory
// and CPU numbers. So from a source checkout the bench transpiles src/ once per run (TypeScript's
// transpileModule, no type check) into node_modules/.cache, where the project's dependencies still
// resolve, and removes it afterwards. From an installed package (dist/) it simply runs bin/slotway.js.

import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export type GatewayRuntime = 'dist' | 'build' | 'tsx';

export interface GatewayLaunch {
  /** The script `node` runs, followed by `start ...`. */
  script: string;
  runtime: GatewayRuntime;
  /** Why the runtime is not the one asked for, if it is not. */
  note: string | null;
  cleanup(): Promise<void>;
}

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'slotway.js');

export async function prepareGatewayLaunch(wanted: 'build' | 'tsx'): Promise<GatewayLaunch> {
  const none = async () => {};
  if (!import.meta.url.endsWith('.ts')) return { script: BIN, runtime: 'dist', note: null, cleanup: none };
  if (wanted === 'tsx') return { script: BIN, runtime: 'tsx', note: null, cleanup: none };
  const cache = join(ROOT, 'node_modules', '.cache', 'slotway-bench');
  await removeAbandoned(cache);
  const out = join(cache, `gateway-${process.pid}-${Date.now()}`);
  try {
    await transpileTree(join(ROOT, 'src'), out);
    return {
      script: join(out, 'cli', 'main.js'),
      runtime: 'build',
      note: null,
      cleanup: () => rm(out, { recursive: true, force: true }),
    };
  } catch (err) {
    await rm(out, { recursive: true, force: true });
    const reason = err instanceof Error ? err.message : String(err);
    return {
      script: BIN,
      runtime: 'tsx',
      note: `could not transpile the gateway (${reason}); it ran through tsx, which adds ~35 MB RSS and some CPU`,
      cleanup: none,
    };
  }
}

/** Builds left behind by a bench that was killed (its pid is gone). */
async function removeAbandoned(cache: string): Promise<void> {
  const entries = await readdir(cache).catch(() => [] as string[]);
  for (const entry of entries) {
    const pid = Number(/^gateway-(\d+)-/.exec(entry)?.[1]);
    if (!Number.isInteger(pid) || pidAlive(pid)) continue;
    await rm(join(cache, entry), { recursive: true, force: true });
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Transpiles every non-test .ts file under `src` to .js under `out`, keeping the layout. */
async function transpileTree(src: string, out: string): Promise<void> {
  const ts = (await import('typescript')).default;
  const files = (await readdir(src, { recursive: true })).filter(
    (f) =>
      f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts') && !f.includes('test-support'),
  );
  for (const file of files) {
    const source = await readFile(join(src, file), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      fileName: file,
      compilerOptions: {
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.ESNext,
        verbatimModuleSyntax: true,
        sourceMap: false,
      },
    });
    const target = join(out, relative(src, join(src, file))).replace(/\.ts$/, '.js');
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, outputText);
  }
  await writeFile(join(out, 'package.json'), '{ "type": "module" }\n');
}
