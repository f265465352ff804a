// Prints the gzipped size of the JavaScript the dashboard loads first (index.html's scripts and
// their static imports) and fails the build above the 300 kB budget.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const BUDGET = 300 * 1024;
const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const initial = [...html.matchAll(/<(?:script|link)[^>]+(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map(
  (m) => m[1],
);
let total = 0;
for (const file of initial) {
  const size = gzipSync(readFileSync(join(dist, file))).length;
  total += file.endsWith('.js') ? size : 0;
  console.log(`  ${file}  ${(size / 1024).toFixed(1)} kB gzip`);
}
const all = readdirSync(join(dist, 'assets')).length;
console.log(`initial JS: ${(total / 1024).toFixed(1)} kB gzipped (budget 300 kB; ${all} assets in all)`);
if (total > BUDGET) {
  console.error('initial JS is over budget');
  process.exit(1);
}
