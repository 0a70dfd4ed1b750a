// The README's picture is drawn from the language server's answers (scripts/readme-picture.mjs):
// this checks that the committed drawing is still what the binary under test answers, so
// the picture cannot show a message or a fix the server no longer gives.

import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';

const extensionRoot = path.resolve(__dirname, '..', '..', '..');
const binary = path.resolve(extensionRoot, process.env.MAILFLOW_BIN ?? '../target/debug/mailflow');

test("the README's picture is what the server answers now", { timeout: 60000 }, () => {
  const checked = spawnSync(process.execPath, [path.join(extensionRoot, 'scripts', 'readme-picture.mjs'), '--binary', binary, '--check'], {
    cwd: extensionRoot,
    encoding: 'utf8',
  });
  assert.equal(checked.status, 0, `${checked.stdout}${checked.stderr}`);
});
