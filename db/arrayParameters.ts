/**
 * Array parameters as Postgres array literals, made with one `join`.
 *
 * `pg` turns every array parameter into an array literal itself, quoting and
 * escaping each element with two regular expressions and adding it to the
 * literal with `+=`. The batch statements send arrays of hundreds of ids (a swipe
 * flush sends nine columns of 250), and at 4,000 swipes a second that made a sixth
 * of what a node allocated (loadtest/README.md, "Array parameters in one join, and
 * fewer objects per command, 2026-12-04").
 * Here an element that needs no quotes (an id, a number, a flag, a date) goes in
 * as it is, and the literal is one string. The literal means what `pg`'s means:
 * what this does not know how to write (bytes, objects, Dates) is left to `pg`.
 */

/** Characters an unquoted array element may hold without Postgres reading anything else into it. */
const BARE = /^[\w.:+-]+$/;

/** An element's text, quoted and escaped as `pg` does when it could be misread bare. */
function element(text: string): string {
  if (BARE.test(text) && !(text.length === 4 && text.toLowerCase() === 'null')) return text;
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** The literal of an array of strings, numbers, booleans, nulls and such arrays; undefined for anything else. */
function literal(values: readonly unknown[]): string | undefined {
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (typeof value === 'string') parts[i] = element(value);
    else if (value === null || value === undefined) parts[i] = 'NULL';
    else if (typeof value === 'number' || typeof value === 'bigint') parts[i] = element(String(value));
    else if (typeof value === 'boolean') parts[i] = value ? 'true' : 'false';
    else if (Array.isArray(value)) {
      const inner = literal(value);
      if (inner === undefined) return undefined;
      parts[i] = inner;
    } else return undefined;
  }
  return `{${parts.join(',')}}`;
}

/** A query parameter as it goes to `pg`: an array as its literal where this can write it, anything else unchanged. */
export function arrayParameter(value: unknown): unknown {
  return Array.isArray(value) ? (literal(value) ?? value) : value;
}
