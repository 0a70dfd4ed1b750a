// Makes a platform-specific .vsix that carries the mailflow binary, so that the extension
// works without a separate install:
//
//   node scripts/package-platform.mjs --target linux-x64 --binary ../target/release/mailflow --out mailflow-linux-x64.vsix
//
// The binary goes in server/ (server/mailflow, or server/mailflow.exe for a win32 target),
// where src/config.ts looks for it, with mode 755, in a copy of this folder made for the
// purpose; `npm run package` (vsce) packages that copy for the target, with an ignore file
// that lets that one file in; the package is then read back to check that it holds the
// binary, byte for byte and executable.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { copyFolder } from './copy-folder.mjs';
import { readZip } from './zip.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** vsce's targets, and the kind of executable each runs (the first bytes of the file). */
const TARGETS = {
  'win32-x64': 'pe',
  'win32-arm64': 'pe',
  'linux-x64': 'elf',
  'linux-arm64': 'elf',
  'linux-armhf': 'elf',
  'alpine-x64': 'elf',
  'alpine-arm64': 'elf',
  'darwin-x64': 'mach-o',
  'darwin-arm64': 'mach-o',
};

const KIND_NAMES = { pe: 'Windows (PE)', elf: 'Linux (ELF)', 'mach-o': 'macOS (Mach-O)' };

const MAGIC = {
  pe: (head) => head.subarray(0, 2).toString('latin1') === 'MZ',
  elf: (head) => head.subarray(0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46])),
  // 64-bit Mach-O (either byte order) or a universal binary.
  'mach-o': (head) => [0xfeedfacf, 0xcffaedfe, 0xcafebabe].includes(head.readUInt32BE(0)),
};

function fail(message) {
  console.error(`package-platform: ${message}`);
  process.exit(1);
}

function options() {
  let values;
  try {
    ({ values } = parseArgs({
      options: { target: { type: 'string' }, binary: { type: 'string' }, out: { type: 'string' } },
      strict: true,
    }));
  } catch (error) {
    fail(error.message);
  }
  const usage = 'usage: node scripts/package-platform.mjs --target <target> --binary <mailflow or mailflow.exe> --out <file.vsix>';
  for (const name of ['target', 'binary', 'out']) {
    if (values[name] === undefined || values[name] === '') fail(`--${name} is missing\n${usage}`);
  }
  if (!(values.target in TARGETS)) {
    fail(`unknown target "${values.target}"; one of: ${Object.keys(TARGETS).join(', ')}`);
  }
  // Paths are taken from where the command runs, as a shell user expects.
  const binary = resolve(values.binary);
  let stat;
  try {
    stat = fs.statSync(binary);
  } catch (error) {
    fail(`cannot read the binary ${binary}: ${error.message}`);
  }
  if (!stat.isFile()) fail(`the binary ${binary} is not a file`);
  const kind = TARGETS[values.target];
  const head = Buffer.alloc(4);
  const descriptor = fs.openSync(binary, 'r');
  fs.readSync(descriptor, head, 0, 4, 0);
  fs.closeSync(descriptor);
  if (!MAGIC[kind](head)) fail(`${binary} is not an executable for ${KIND_NAMES[kind]}, which a ${values.target} package needs`);
  return { target: values.target, binary, out: resolve(values.out) };
}

/** `npm run package` (vsce with the options package.json gives it), with more arguments. */
function packageWith(folder, args) {
  const result = spawnSync('npm', ['run', 'package', '--silent', '--', ...args], {
    cwd: folder,
    stdio: 'inherit',
    // npm is npm.cmd on Windows, which only a shell runs.
    shell: process.platform === 'win32',
  });
  if (result.status !== 0) fail(`npm run package -- ${args.join(' ')} failed (${result.error?.message ?? `exit status ${result.status}`})`);
}

function sha256(bytes) {
  return createHash('sha256').update(bytes).digest('hex');
}

function main() {
  const { target, binary, out } = options();
  const name = target.startsWith('win32-') ? 'mailflow.exe' : 'mailflow';
  // The package is made in a copy of the folder, so that the folder itself never holds a
  // binary (a plain `npm run package` cannot ship one) and two runs cannot meet.
  const scratch = fs.mkdtempSync(join(os.tmpdir(), 'mailflow-package-'));
  const staging = join(scratch, 'vscode-extension');
  let shipped;
  try {
    copyFolder(staging);
    fs.mkdirSync(join(staging, 'server'));
    const copy = join(staging, 'server', name);
    fs.copyFileSync(binary, copy);
    fs.chmodSync(copy, 0o755);
    shipped = sha256(fs.readFileSync(copy));
    // The package's usual contents, and this binary.
    const ignoreFile = join(scratch, 'vscodeignore');
    fs.writeFileSync(ignoreFile, `${fs.readFileSync(join(root, '.vscodeignore'), 'utf8').trimEnd()}\n!server/${name}\n`);
    fs.mkdirSync(dirname(out), { recursive: true });
    packageWith(staging, ['--target', target, '--out', out, '--ignoreFile', ignoreFile]);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }

  const entries = new Map(readZip(out).map((entry) => [entry.name, entry]));
  const packed = entries.get(`extension/server/${name}`);
  if (packed === undefined) fail(`${out} does not hold extension/server/${name}`);
  const bytes = packed.read();
  if (sha256(bytes) !== shipped) fail(`extension/server/${name} in ${out} is not the binary given`);
  // Windows has no execute bit; elsewhere VS Code keeps the mode the package records.
  if (!name.endsWith('.exe') && (packed.mode & 0o111) !== 0o111) {
    fail(`extension/server/${name} in ${out} is not executable (mode ${packed.mode.toString(8)})`);
  }
  const manifest = entries.get('extension.vsixmanifest')?.read().toString('utf8') ?? '';
  if (!manifest.includes(`TargetPlatform="${target}"`)) fail(`${out} is not marked as a ${target} package`);
  console.log(`package-platform: ${out} holds extension/server/${name} (${bytes.length} bytes) for ${target}`);
}

main();
