// A small glob matcher for the tests (`**`, `*`, `?`, `{a,b}`), written independently of the
// extension so that the selector is checked against globs as VS Code reads them, not against
// the extension's own idea of them.

export function globToRegExp(glob: string): RegExp {
  let out = '';
  let inBraces = false;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      // `**/` matches any number of folders, including none.
      if (glob[i + 2] === '/') {
        out += '(?:[^/]*/)*';
        i += 2;
      } else {
        out += '.*';
        i += 1;
      }
    } else if (c === '*') {
      out += '[^/]*';
    } else if (c === '?') {
      out += '[^/]';
    } else if (c === '{') {
      inBraces = true;
      out += '(?:';
    } else if (c === '}' && inBraces) {
      inBraces = false;
      out += ')';
    } else if (c === ',' && inBraces) {
      out += '|';
    } else {
      out += c.replace(/[.+^$()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${out}$`);
}

export function matchesGlob(glob: string, path: string): boolean {
  return globToRegExp(glob).test(path.replace(/\\/g, '/'));
}

/** What a document filter is matched against. */
export interface Matchable {
  readonly languageId: string;
  readonly uri: { readonly scheme: string; readonly path: string };
}

/**
 * VS Code's scoring of a document selector, reduced to what matters here: 0 when no filter
 * matches, more than 0 when one does.
 */
export function selectorScore(
  selector: string | object | ReadonlyArray<string | object>,
  document: Matchable,
): number {
  const filters = Array.isArray(selector) ? selector : [selector];
  let best = 0;
  for (const filter of filters as Array<string | { language?: string; scheme?: string; pattern?: unknown }>) {
    if (typeof filter === 'string') {
      if (filter === document.languageId || filter === '*') best = Math.max(best, 10);
      continue;
    }
    if (filter.language !== undefined && filter.language !== '*' && filter.language !== document.languageId) continue;
    if (filter.scheme !== undefined && filter.scheme !== '*' && filter.scheme !== document.uri.scheme) continue;
    if (filter.pattern !== undefined) {
      if (typeof filter.pattern !== 'string' || !matchesGlob(filter.pattern, document.uri.path)) continue;
    }
    best = Math.max(best, 10);
  }
  return best;
}
