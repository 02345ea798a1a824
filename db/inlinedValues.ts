import * as pg from 'pg';

/** pg's own conversion of a parameter to the text it sends (Dates, bytes, arrays, JSON); its types leave it out. */
const { prepareValue } = (pg as unknown as { utils: { prepareValue(value: unknown): string | Buffer | null } }).utils;

/**
 * A statement with its parameters written into its text as quoted literals.
 *
 * The pool's connections plan every statement once, for any parameters
 * (`plan_cache_mode = force_generic_plan`, db/database.ts). A statement whose
 * best plan depends on its values (a deck's cells) is sent this way instead, so
 * Postgres plans it for the values it has. A quoted literal takes its type from
 * where it stands, as a parameter does, and each is escaped as Postgres reads it.
 */
export function withValuesInlined(text: string, values: readonly unknown[]): string {
  const literals = values.map(literalOf);
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; ) {
    const c = text[i]!;
    const skipTo = endOfQuoted(text, i);
    if (skipTo !== undefined) {
      i = skipTo;
      continue;
    }
    if (c === '$' && isDigit(text[i + 1]) && !isWordCharacter(text[i - 1])) {
      let end = i + 1;
      while (isDigit(text[end])) end++;
      const literal = literals[Number(text.slice(i + 1, end)) - 1];
      if (literal === undefined) throw new Error(`statement refers to $${text.slice(i + 1, end)}, but has ${values.length} values`);
      out += text.slice(from, i) + literal;
      from = i = end;
      continue;
    }
    i++;
  }
  return out + text.slice(from);
}

/** A value as a quoted literal (NULL for none), as pg would send it as a parameter. */
function literalOf(value: unknown): string {
  const prepared = prepareValue(value);
  if (prepared === null || prepared === undefined) return 'NULL';
  const text = Buffer.isBuffer(prepared) ? `\\x${prepared.toString('hex')}` : String(prepared);
  // Postgres text holds no NUL, and a NUL would end the statement's text early.
  if (text.includes('\0')) throw new Error('a value holds a NUL character, which Postgres text cannot');
  return pg.escapeLiteral(text);
}

/**
 * Where a quoted part of the statement that starts at `i` ends (a string, a quoted
 * name, a comment, a dollar-quoted body), or undefined when none starts there:
 * a `$1` inside one is text, not a parameter.
 */
function endOfQuoted(text: string, i: number): number | undefined {
  const c = text[i];
  const next = text[i + 1];
  if (c === "'" || c === '"') {
    // A doubled quote is the quote itself; a backslash escape only matters in E'' strings.
    const escapes = c === "'" && (text[i - 1] === 'E' || text[i - 1] === 'e') && !isWordCharacter(text[i - 2]);
    for (let j = i + 1; j < text.length; j++) {
      if (escapes && text[j] === '\\') j++;
      else if (text[j] === c) {
        if (text[j + 1] === c) j++;
        else return j + 1;
      }
    }
    return text.length;
  }
  if (c === '-' && next === '-') {
    const end = text.indexOf('\n', i);
    return end === -1 ? text.length : end + 1;
  }
  if (c === '/' && next === '*') {
    // Block comments nest in Postgres.
    let depth = 0;
    for (let j = i; j < text.length - 1; j++) {
      if (text[j] === '/' && text[j + 1] === '*') {
        depth++;
        j++;
      } else if (text[j] === '*' && text[j + 1] === '/') {
        depth--;
        j++;
        if (depth === 0) return j + 1;
      }
    }
    return text.length;
  }
  if (c === '$' && !isWordCharacter(text[i - 1])) {
    const tag = /^\$([A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*)?\$/.exec(text.slice(i, i + 64));
    if (!tag) return undefined;
    const end = text.indexOf(tag[0], i + tag[0].length);
    return end === -1 ? text.length : end + tag[0].length;
  }
  return undefined;
}

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
const isWordCharacter = (c: string | undefined) => c !== undefined && /[\w$\u0080-\uffff]/.test(c);
