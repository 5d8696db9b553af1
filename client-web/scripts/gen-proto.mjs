// Generates static protobuf code (ES module + TypeScript declarations) from the wire protocol
// into src/generated/. Run by `npm run proto`, which `build`, `dev`, `test` and `prepare` call.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const proto = join(root, '..', 'protocol', 'tessera', 'v1', 'tessera.proto');
const outDir = join(root, 'src', 'generated');
const js = join(outDir, 'tessera.js');
const dts = join(outDir, 'tessera.d.ts');
const bin = (name) => join(root, 'node_modules', '.bin', name);

if (!existsSync(proto)) {
  console.error(`gen-proto: protocol file not found: ${proto}`);
  process.exit(1);
}
mkdirSync(outDir, { recursive: true });
const run = (cmd, args) => execFileSync(bin(cmd), args, { stdio: 'inherit', cwd: root });
// --force-number: sint64/int64/uint64 decode to JS numbers (centimetre deltas and ids fit in
// 2^53); no verify/convert/delimited helpers: the client only encodes and decodes.
run('pbjs', ['-t', 'static-module', '-w', 'es6', '--force-number', '--no-verify', '--no-convert',
  '--no-delimited', '--no-typeurl', '-o', js, proto]);
run('pbts', ['-o', dts, js]);
console.log(`gen-proto: ${js} and ${dts} generated`);
