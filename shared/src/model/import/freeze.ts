/**
 * Name patterns of the `freeze` option: exact initializer names or globs where `*` matches
 * any run of characters (dots included) and `?` one character.
 */

function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .split('')
    .map((ch) => {
      if (ch === '*') return '.*';
      if (ch === '?') return '.';
      return ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
    })
    .join('');
  return new RegExp(`^${body}$`);
}

/** A predicate: does a parameter name match any of `patterns`? */
export function nameMatcher(patterns: readonly string[]): (name: string) => boolean {
  const res = patterns.map(globToRegExp);
  return (name) => res.some((r) => r.test(name));
}
