// Copies the browser builds of the front-end dependencies from node_modules (installed from
// the committed lockfile) into chat-server/web/vendor, and writes VERSIONS with their
// sha256. `node vendor.mjs --check` fails when the committed files differ from the packages.
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';

const files = [
  ['preact', 'preact/dist/preact.mjs', 'preact.mjs'],
  ['preact', 'preact/hooks/dist/hooks.mjs', 'hooks.mjs'],
  ['htm', 'htm/dist/htm.mjs', 'htm.mjs'],
  ['swagger-ui-dist', 'swagger-ui-dist/swagger-ui-bundle.js', 'swagger-ui-bundle.js'],
  ['swagger-ui-dist', 'swagger-ui-dist/swagger-ui.css', 'swagger-ui.css'],
];
const vendor = new URL('../chat-server/web/vendor/', import.meta.url);
const check = process.argv.includes('--check');
const sha = (/** @type {URL} */ url) => createHash('sha256').update(readFileSync(url)).digest('hex');
let lines = '';
let stale = 0;
for (const [pkg, from, to] of files) {
  const source = new URL(`./node_modules/${from}`, import.meta.url);
  const target = new URL(to, vendor);
  const { version } = JSON.parse(readFileSync(new URL(`./node_modules/${pkg}/package.json`, import.meta.url), 'utf8'));
  if (check) {
    if (sha(source) !== sha(target)) {
      console.error(`${to} differs from ${pkg}@${version} ${from}`);
      stale += 1;
    }
  } else {
    copyFileSync(source, target);
  }
  lines += `${to} ${pkg}@${version} ${from} sha256:${sha(source)}\n`;
}
if (check) {
  if (readFileSync(new URL('VERSIONS', vendor), 'utf8') !== lines) stale += 1;
  if (stale) process.exit(1);
  console.log('vendored files match their packages');
} else {
  writeFileSync(new URL('VERSIONS', vendor), lines);
}
