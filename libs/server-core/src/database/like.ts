/**
 * A LIKE pattern matching every text that starts with `prefix`: its `\`, `%` and `_` match themselves.
 * Use it with `LIKE :pattern ESCAPE '\'` so the pattern means the same whatever the server's settings.
 */
export function likePrefix(prefix: string): string {
  return `${escapeLike(prefix)}%`;
}

/** `text` with the LIKE wildcards (and the escape character itself) escaped by a backslash. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}
