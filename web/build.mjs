// Bundles the pages for embedding in the twitchwatch binary: one JS module per page, one CSS file,
// the HTML pages as they are. Nothing is fetched at run time, so the pages work offline and under
// the strict Content-Security-Policy the server sends (default-src 'self').
// Usage: node build.mjs [--outdir DIR]   (default: dist)
import { build } from 'esbuild';
import { copyFile, mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const outdirFlag = process.argv.indexOf('--outdir');
const outdir = path.resolve(outdirFlag > 0 ? process.argv[outdirFlag + 1] : path.join(here, 'dist'));

await rm(outdir, { recursive: true, force: true });
await mkdir(path.join(outdir, 'assets'), { recursive: true });

await build({
  absWorkingDir: here,
  entryPoints: {
    login: 'src/js/login.js',
    dashboard: 'src/js/dashboard.js',
    session: 'src/js/session.js',
    client: 'src/js/client.js',
    app: 'src/style.css',
  },
  outdir: path.join(outdir, 'assets'),
  bundle: true,
  format: 'esm',
  splitting: true,
  chunkNames: 'chunk-[hash]',
  minify: true,
  target: ['chrome100', 'firefox100', 'safari15'],
  legalComments: 'eof',
  logLevel: 'warning',
});

for (const name of await readdir(path.join(here, 'src', 'pages'))) {
  await copyFile(path.join(here, 'src', 'pages', name), path.join(outdir, name));
}
await copyFile(path.join(here, 'src', 'icon.svg'), path.join(outdir, 'assets', 'icon.svg'));
console.log(`web: built ${outdir}`);
