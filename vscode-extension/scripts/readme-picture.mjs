// Draws the README's picture of a finding and its quick fix from the language server's real
// answers: it starts `mailflow lsp`, opens an example of the repository, takes the first
// finding that has a quick fix (other than "Ignore …"), asks for that fix, and draws the
// file with the finding underlined, its message and the fix offered, then the same lines
// after the fix's edit. Nothing in the picture is typed here: code, message, title and edit
// are the server's.
//
//   node scripts/readme-picture.mjs [--binary ../target/debug/mailflow]          writes images/finding-and-fix.{svg,png}
//   node scripts/readme-picture.mjs [--binary ../target/debug/mailflow] --check  fails if the SVG is not what the server answers now
//
// A developer's tool, run from the repository (it reads ../examples); the extension's build
// does not use it. The PNG is what the README shows (the Marketplace takes no SVG); it is
// rendered from the SVG by resvg with the DejaVu Sans Mono font (Debian's fonts-dejavu-core).

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const EXAMPLE = join(root, '..', 'examples', 'broken-rule-order.mailflow');
const SVG = join(root, 'images', 'finding-and-fix.svg');
const PNG = join(root, 'images', 'finding-and-fix.png');

// ---- talking to the server ----------------------------------------------------------------

/** A minimal LSP client over the server's stdio. */
function startServer(binary) {
  const child = spawn(binary, ['lsp'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let buffer = Buffer.alloc(0);
  const waiting = [];
  const received = [];
  child.stdout.on('data', (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/Content-Length: *(\d+)/i.exec(buffer.subarray(0, end).toString('ascii'))?.[1]);
      if (buffer.length < end + 4 + length) return;
      received.push(JSON.parse(buffer.subarray(end + 4, end + 4 + length).toString('utf8')));
      buffer = buffer.subarray(end + 4 + length);
      for (const wait of [...waiting]) wait();
    }
  });
  const send = (message) => {
    const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', ...message }), 'utf8');
    child.stdin.write(`Content-Length: ${body.length}\r\n\r\n`);
    child.stdin.write(body);
  };
  /** The first message received that `wanted` accepts (removed from the list), within 20 s. */
  const next = (wanted) =>
    new Promise((done, failed) => {
      const timer = setTimeout(() => failed(new Error('mailflow lsp did not answer within 20 s')), 20000);
      const look = () => {
        const index = received.findIndex(wanted);
        if (index < 0) return;
        clearTimeout(timer);
        waiting.splice(waiting.indexOf(look), 1);
        done(received.splice(index, 1)[0]);
      };
      waiting.push(look);
      look();
    });
  let id = 0;
  return {
    async request(method, params) {
      const mine = ++id;
      send({ id: mine, method, params });
      const answer = await next((m) => m.id === mine && m.method === undefined);
      if (answer.error !== undefined) throw new Error(`${method}: ${answer.error.message}`);
      return answer.result;
    },
    notify: (method, params) => send({ method, params }),
    notification: (method) => next((m) => m.method === method).then((m) => m.params),
    stop: () => child.kill(),
  };
}

/** The server's answers: the file, the finding, the fix's title and the text after its edit. */
async function answers(binary) {
  const text = fs.readFileSync(EXAMPLE, 'utf8');
  const uri = pathToFileURL(EXAMPLE).href;
  const server = startServer(binary);
  try {
    await server.request('initialize', { processId: process.pid, capabilities: {} });
    server.notify('initialized', {});
    server.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'mailflow', version: 1, text } });
    const { diagnostics } = await server.notification('textDocument/publishDiagnostics');
    for (const diagnostic of diagnostics) {
      const actions = await server.request('textDocument/codeAction', {
        textDocument: { uri },
        range: diagnostic.range,
        context: { diagnostics: [diagnostic], only: ['quickfix'] },
      });
      const fix = actions.find((action) => !action.title.startsWith('Ignore') && action.edit?.changes?.[uri] !== undefined);
      if (fix !== undefined) {
        return { name: EXAMPLE.split(/[\\/]/).pop(), text, diagnostic, title: fix.title, edits: fix.edit.changes[uri] };
      }
    }
    throw new Error(`no finding of ${EXAMPLE} has a quick fix`);
  } finally {
    server.stop();
  }
}

// ---- applying the edit --------------------------------------------------------------------

/** The text after the edits, and the lines (0-based, of the new text) they wrote. */
function applyEdits(text, edits) {
  const lines = text.split('\n');
  const offset = ({ line, character }) => lines.slice(0, line).reduce((n, l) => n + l.length + 1, 0) + character;
  const sorted = [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start));
  let result = text;
  for (const edit of sorted) {
    result = result.slice(0, offset(edit.range.start)) + edit.newText + result.slice(offset(edit.range.end));
  }
  // The lines written, counted from the top of the new text (edits applied bottom-up above).
  const written = new Set();
  let shift = 0;
  for (const edit of [...sorted].reverse()) {
    const first = edit.range.start.line + shift;
    const added = edit.newText.split('\n').length - 1;
    for (let line = first; line <= first + added; line++) written.add(line);
    shift += added - (edit.range.end.line - edit.range.start.line);
  }
  return { text: result, written };
}

// ---- drawing -------------------------------------------------------------------------------

const FONT = 14;
const CHAR = FONT * 0.602; // DejaVu Sans Mono's advance
const LINE = 20;
const GUTTER = 48;
const WIDTH = 980;
const COLORS = {
  background: '#1e1e1e',
  panel: '#252526',
  text: '#d4d4d4',
  gutter: '#858585',
  comment: '#6a9955',
  string: '#ce9178',
  keyword: '#569cd6',
  number: '#b5cea8',
  warning: '#cca700',
  error: '#f14c4c',
  border: '#454545',
  written: '#2d4a2d',
  title: '#cccccc',
};
const KEYWORDS = /\b(mailflow|organization|domains|connector|rule|priority|if|except|then|redirect|to|stop|set|header|contains|sender|is|inside|outside|smart-hosts|service|use|transport-rule|on-premises|defer|true|false)\b/;

const escape = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** One line of code as SVG text, coloured like the TextMate grammar would. */
function codeLine(line, x, y) {
  const parts = [];
  let rest = line;
  while (rest.length > 0) {
    let match;
    if ((match = /^#.*/.exec(rest))) parts.push([match[0], COLORS.comment]);
    else if ((match = /^"(?:[^"\\]|\\.)*"?/.exec(rest))) parts.push([match[0], COLORS.string]);
    else if ((match = /^-?\d+\b/.exec(rest))) parts.push([match[0], COLORS.number]);
    else if ((match = new RegExp(`^${KEYWORDS.source}`).exec(rest))) parts.push([match[0], COLORS.keyword]);
    else if ((match = /^[\w-]+|^\s+|^./.exec(rest))) parts.push([match[0], COLORS.text]);
    rest = rest.slice(match[0].length);
  }
  const spans = parts.map(([t, c]) => `<tspan fill="${c}">${escape(t)}</tspan>`).join('');
  return `<text x="${x}" y="${y}" xml:space="preserve">${spans}</text>`;
}

/** Words of `text` in lines of at most `width` characters. */
function wrap(text, width) {
  const out = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') out.push(line);
  return out;
}

/** An editor pane: a tab with `title`, lines `first..last` of `lines`, and what `decorate` adds. */
function pane(y, title, lines, first, last, decorate) {
  const height = 34 + (last - first + 1) * LINE + 12;
  const out = [
    `<rect x="0" y="${y}" width="${WIDTH}" height="${height}" fill="${COLORS.background}"/>`,
    `<rect x="0" y="${y}" width="${WIDTH}" height="28" fill="${COLORS.panel}"/>`,
    `<text x="12" y="${y + 19}" fill="${COLORS.title}">${escape(title)}</text>`,
  ];
  for (let n = first; n <= last; n++) {
    const baseline = y + 34 + (n - first + 1) * LINE - 5;
    out.push(...decorate.background(n, baseline));
    out.push(`<text x="${GUTTER - 12}" y="${baseline}" fill="${COLORS.gutter}" text-anchor="end">${n + 1}</text>`);
    out.push(codeLine(lines[n] ?? '', GUTTER, baseline));
    out.push(...decorate.foreground(n, baseline));
  }
  return { svg: out.join('\n'), height };
}

function draw({ name, text, diagnostic, title, edits }) {
  const before = text.split('\n');
  const { start, end } = diagnostic.range;
  const first = Math.max(0, start.line - 2);
  const last = Math.min(before.length - 1, start.line + 3);
  const severity = diagnostic.severity === 1 ? 'error' : 'warning';
  const colour = COLORS[severity];
  const code = typeof diagnostic.code === 'object' ? diagnostic.code.value : diagnostic.code;

  const squiggle = (n, baseline) => {
    if (n < start.line || n > end.line) return [];
    const from = n === start.line ? start.character : before[n].length - before[n].trimStart().length;
    const to = n === end.line ? end.character : before[n].length;
    if (to <= from) return [];
    const x0 = GUTTER + from * CHAR;
    const x1 = GUTTER + to * CHAR;
    let d = `M${x0.toFixed(1)} ${baseline + 4}`;
    for (let x = x0, up = true; x < x1; x += 3, up = !up) d += ` L${Math.min(x + 3, x1).toFixed(1)} ${baseline + (up ? 2 : 4)}`;
    return [`<path d="${d}" stroke="${colour}" stroke-width="1.2" fill="none"/>`];
  };
  const top = pane(0, `${name}: the finding`, before, first, last, { background: () => [], foreground: squiggle });

  // The hover with the message and the quick fix, below the finding's last line.
  const message = wrap(diagnostic.message, 96);
  const hoverY = top.height + 8;
  const hoverHeight = 30 + message.length * LINE + 46;
  const hover = [
    `<rect x="${GUTTER}" y="${hoverY}" width="${WIDTH - GUTTER - 16}" height="${hoverHeight}" rx="3" fill="${COLORS.panel}" stroke="${COLORS.border}"/>`,
    `<text x="${GUTTER + 12}" y="${hoverY + 22}"><tspan fill="${colour}">${severity}</tspan><tspan fill="${COLORS.gutter}"> ${escape(`${code} (mailflow)`)}</tspan></text>`,
    ...message.map((line, i) => `<text x="${GUTTER + 12}" y="${hoverY + 22 + (i + 1) * LINE}" fill="${COLORS.text}">${escape(line)}</text>`),
    `<line x1="${GUTTER}" x2="${WIDTH - 16}" y1="${hoverY + 30 + message.length * LINE}" y2="${hoverY + 30 + message.length * LINE}" stroke="${COLORS.border}"/>`,
    `<circle cx="${GUTTER + 18}" cy="${hoverY + 30 + message.length * LINE + 22}" r="5" fill="${COLORS.warning}"/>`,
    `<text x="${GUTTER + 32}" y="${hoverY + 30 + message.length * LINE + 27}" fill="${COLORS.text}"><tspan fill="${COLORS.gutter}">Quick Fix: </tspan>${escape(title)}</text>`,
  ].join('\n');

  const after = applyEdits(text, edits);
  const afterLines = after.text.split('\n');
  const written = [...after.written];
  const lastAfter = Math.min(afterLines.length - 1, Math.max(last + (afterLines.length - before.length), ...written) + 1);
  const highlight = (n, baseline) =>
    after.written.has(n) ? [`<rect x="${GUTTER - 4}" y="${baseline - 15}" width="${WIDTH - GUTTER}" height="${LINE}" fill="${COLORS.written}"/>`] : [];
  const bottomY = hoverY + hoverHeight + 16;
  const bottom = pane(bottomY, `${name}: after the quick fix`, afterLines, first, lastAfter, { background: highlight, foreground: () => [] });

  const height = bottomY + bottom.height;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="DejaVu Sans Mono" font-size="${FONT}">`,
    `<rect width="${WIDTH}" height="${height}" fill="#181818"/>`,
    top.svg,
    hover,
    bottom.svg,
    '</svg>',
    '',
  ].join('\n');
}

// ---- main ----------------------------------------------------------------------------------

const { values } = parseArgs({ options: { binary: { type: 'string' }, check: { type: 'boolean' } } });
const binary = resolve(values.binary ?? process.env.MAILFLOW_BIN ?? join(root, '..', 'target', 'debug', 'mailflow'));
const svg = draw(await answers(binary));
if (values.check) {
  const committed = fs.existsSync(SVG) ? fs.readFileSync(SVG, 'utf8') : '';
  if (committed !== svg) {
    console.error(`readme-picture: ${SVG} is not what ${binary} answers now: run node scripts/readme-picture.mjs`);
    process.exit(1);
  }
  console.log(`readme-picture: ${SVG} is what the server answers`);
} else {
  const { Resvg } = await import('@resvg/resvg-js');
  fs.mkdirSync(dirname(SVG), { recursive: true });
  fs.writeFileSync(SVG, svg);
  const png = new Resvg(svg, {
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans Mono' },
    fitTo: { mode: 'zoom', value: 1.5 },
  }).render().asPng();
  fs.writeFileSync(PNG, png);
  console.log(`readme-picture: wrote ${SVG} and ${PNG}`);
}
