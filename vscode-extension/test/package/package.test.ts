// The manifest, the grammar and the packaged .vsix: what VS Code reads without running the
// extension's code. `npm test` makes the .vsix (`npm run package`) before this file runs.

import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { documentSelector } from '../../src/config';
import { readZip } from '../helpers/zip';

const root = path.resolve(__dirname, '..', '..', '..');
const repository = path.resolve(root, '..');
const readJson = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8'));

// Manifests are data read from disk: loosely typed on purpose.
type Json = any;

const manifest: Json = readJson(path.join(root, 'package.json'));

function checkContributions(pkg: Json): void {
  const contributes = pkg.contributes;
  assert.equal(pkg.main, './dist/extension.js');
  assert.equal(pkg.engines.vscode, '^1.91.0');
  assert.deepEqual(contributes.languages.map((l: Json) => [l.id, l.extensions]), [['mailflow', ['.mailflow']]]);
  assert.equal(contributes.languages[0].configuration, './language-configuration.json');
  assert.deepEqual(contributes.grammars, [
    { language: 'mailflow', scopeName: 'source.mailflow', path: './syntaxes/mailflow.tmLanguage.json' },
  ]);
  assert.deepEqual(contributes.yamlValidation, [
    { fileMatch: ['*.mailflow.yaml', '*.mailflow.yml'], url: './schema/mailflow.schema.json' },
  ]);
  const settings = contributes.configuration.properties;
  assert.deepEqual(Object.keys(settings).sort(), [
    'mailflow.docsUrl',
    'mailflow.ignore',
    'mailflow.path',
    'mailflow.select',
    'mailflow.trace.server',
  ]);
  assert.equal(settings['mailflow.path'].default, 'mailflow');
  assert.deepEqual(settings['mailflow.trace.server'].enum, ['off', 'messages', 'verbose']);
  for (const [key, setting] of Object.entries<Json>(settings)) {
    assert.ok((setting.markdownDescription ?? setting.description ?? '').length > 40, `${key} is described`);
  }
  const showTrace = contributes.commands.find((c: Json) => c.command === 'mailflow.showTrace');
  assert.equal(`${showTrace.category}: ${showTrace.title}`, 'mailflow: Trace a message through Exchange Online');
  const headers = contributes.commands.find((c: Json) => c.command === 'mailflow.analyseHeaders');
  assert.equal(`${headers.category}: ${headers.title}`, 'mailflow: Analyse message headers');
  const palette = contributes.menus.commandPalette.find((m: Json) => m.command === 'mailflow.showTrace');
  assert.match(palette.when, /editorLangId == mailflow/);
  assert.match(palette.when, /mailflow\\\.ya\?ml/);
}

describe('manifest', () => {
  test('contributes the language, grammar, schema, settings and commands', () => {
    checkContributions(manifest);
  });

  test('activates for YAML without claiming it: the selector still names *.mailflow.yaml only', () => {
    assert.deepEqual(manifest.activationEvents, ['onLanguage:yaml']);
    const yaml = documentSelector().filter((filter) => filter.language === 'yaml');
    assert.deepEqual(yaml.map((filter) => filter.pattern), ['**/*.mailflow.{yaml,yml}']);
  });

  test('keeps a workspace from choosing the program that runs unless it is trusted', () => {
    assert.deepEqual(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations, ['mailflow.path']);
  });

  test("keeps in schema/ the repository's JSON schema, byte for byte", () => {
    // The extension builds from its own folder alone, so it carries its own copy; this is
    // what keeps the copy current.
    const copy = fs.readFileSync(path.join(root, 'schema', 'mailflow.schema.json'));
    const original = fs.readFileSync(path.join(repository, 'schema', 'mailflow.schema.json'));
    assert.ok(
      copy.equals(original),
      'vscode-extension/schema/mailflow.schema.json differs from schema/mailflow.schema.json: ' +
        'copy it again (cp schema/mailflow.schema.json vscode-extension/schema/)',
    );
  });

  test("names the project's home, which vsce also uses to turn the README's relative links into addresses", () => {
    assert.equal(manifest.repository.url, 'https://github.com/mailflow/mailflow.git');
    assert.equal(manifest.repository.directory, 'vscode-extension');
  });

  test('has the license of the workspace', () => {
    const cargo = fs.readFileSync(path.join(repository, 'Cargo.toml'), 'utf8');
    assert.match(cargo, new RegExp(`license = "${manifest.license}"`));
  });
});

describe('grammar', () => {
  const grammar: Json = readJson(path.join(root, 'syntaxes', 'mailflow.tmLanguage.json'));

  /** Every rule of the grammar, wherever it is nested. */
  function rules(node: Json, out: Json[] = []): Json[] {
    if (Array.isArray(node)) node.forEach((n) => rules(n, out));
    else if (node !== null && typeof node === 'object') {
      out.push(node);
      Object.values(node).forEach((n) => rules(n, out));
    }
    return out;
  }
  const all = rules(grammar);
  const regexes: string[] = all.flatMap((rule) => ['match', 'begin', 'end'].map((k) => rule[k]).filter((r) => typeof r === 'string'));

  test('is the source.mailflow grammar, and every include resolves', () => {
    assert.equal(grammar.scopeName, 'source.mailflow');
    for (const rule of all) {
      if (typeof rule.include === 'string') {
        assert.ok(rule.include.startsWith('#') && rule.include.slice(1) in grammar.repository, rule.include);
      }
    }
  });

  test('has regular expressions that compile, and scopes of the language', () => {
    assert.ok(regexes.length > 10);
    for (const source of regexes) {
      // Oniguruma's \G has no JavaScript equivalent; the rest of the syntax used is shared.
      assert.doesNotThrow(() => new RegExp(source.replace(/\\G/g, '^')), source);
    }
    for (const rule of all) {
      if (rule !== grammar && typeof rule.name === 'string') assert.match(rule.name, /\.mailflow$/, rule.name);
    }
  });

  test('knows every keyword of the tree-sitter grammar', () => {
    // The keywords are the quoted lower-case words of grammar/grammar.js, outside comments
    // and other than the names of fields.
    const source = fs
      .readFileSync(path.join(repository, 'grammar', 'grammar.js'), 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/\/\/.*$/gm, '')
      .replace(/field\('[^']*'/g, '')
      .replace(/name: '[^']*'/, '');
    const keywords = new Set(Array.from(source.matchAll(/'([a-z][a-z-]*)'/g), (m) => m[1]));
    for (const expected of ['mailflow', 'connector', 'rule', 'priority', 'if', 'except', 'defer', 'true', 'smart-hosts']) {
      assert.ok(keywords.has(expected), `grammar.js read wrongly: no ${expected}`);
    }
    for (const keyword of keywords) {
      const asAlternative = new RegExp(`(^|[^\\w-])${keyword.replace(/-/g, '\\-')}([^\\w-]|$)`);
      assert.ok(regexes.some((r) => asAlternative.test(r)), `the TextMate grammar has no rule for "${keyword}"`);
    }
  });
});

describe('language configuration', () => {
  const configuration: Json = readJson(path.join(root, 'language-configuration.json'));

  test('comments with #, and pairs { } and quotes', () => {
    assert.equal(configuration.comments.lineComment, '#');
    assert.deepEqual(configuration.brackets, [['{', '}']]);
    assert.deepEqual(configuration.autoClosingPairs.map((p: Json) => p.open + p.close), ['{}', '""']);
  });

  test('indents after a line that opens a block, and outdents a closing brace', () => {
    const increase = new RegExp(configuration.indentationRules.increaseIndentPattern);
    const decrease = new RegExp(configuration.indentationRules.decreaseIndentPattern);
    assert.ok(increase.test('connector "Mimecast {outbound}" {'));
    assert.ok(increase.test('rule "A" priority 0 {   # comment'));
    assert.ok(!increase.test('if header "{" contains "x"'));
    assert.ok(!increase.test('# on-premises {'));
    assert.ok(decrease.test('  }'));
  });

  test('treats smart-hosts and on-premises as one word each', () => {
    const word = new RegExp(configuration.wordPattern, 'g');
    assert.deepEqual('smart-hosts on-premises -1'.match(word), ['smart-hosts', 'on-premises', '-1']);
  });
});

describe('vsix', () => {
  const vsix = path.join(root, `${manifest.name}-${manifest.version}.vsix`);

  test('exists (made by `npm run package`)', () => {
    assert.ok(fs.existsSync(vsix), `no ${path.basename(vsix)}: run \`npm run package\` first`);
  });

  test('holds the bundle, the schema copy, the grammar and the language configuration, and nothing else', async () => {
    const names = (await readZip(vsix)).map((entry) => entry.name).sort();
    assert.deepEqual(names, [
      '[Content_Types].xml',
      'extension.vsixmanifest',
      'extension/dist/extension.js',
      'extension/language-configuration.json',
      'extension/package.json',
      'extension/readme.md',
      'extension/schema/mailflow.schema.json',
      'extension/syntaxes/mailflow.tmLanguage.json',
    ]);
  });

  test('carries the repository schema unchanged, and the built bundle', async () => {
    const entries = new Map((await readZip(vsix)).map((entry) => [entry.name, entry]));
    const schema = entries.get('extension/schema/mailflow.schema.json')!.read();
    assert.ok(schema.equals(fs.readFileSync(path.join(repository, 'schema', 'mailflow.schema.json'))));
    const bundle = entries.get('extension/dist/extension.js')!.read().toString('utf8');
    assert.ok(bundle.includes('mailflow.showTrace'));
    assert.ok(!/require\(["']vscode-languageclient/.test(bundle), 'vscode-languageclient is bundled in');
  });

  test("has the README, its picture's address made absolute by vsce", async () => {
    const readme = (await readZip(vsix)).find((e) => e.name === 'extension/readme.md')!.read().toString('utf8');
    const pictures = Array.from(readme.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g), (m) => m[1]);
    assert.deepEqual(pictures, ['https://github.com/mailflow/mailflow/raw/HEAD/vscode-extension/images/finding-and-fix.png']);
    assert.ok(fs.existsSync(path.join(root, 'images', 'finding-and-fix.png')));
  });

  test('has a package.json with the contributions', async () => {
    const entry = (await readZip(vsix)).find((e) => e.name === 'extension/package.json')!;
    const packaged = JSON.parse(entry.read().toString('utf8'));
    checkContributions(packaged);
    assert.equal(packaged.publisher, 'mailflow');
    assert.equal(packaged.license, 'MIT');
  });
});
