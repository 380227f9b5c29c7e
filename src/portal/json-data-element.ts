/** What a script element's text must not hold as it is: its end tag, a comment's start, and so on. */
const UNSAFE_IN_SCRIPT = /[<>&\u2028\u2029]/g;

/**
 * `value` as the text of a `<script type="application/json">` element, which the HTML parser
 * reads raw (no entity is decoded there): every character that could end the element or open a
 * comment in it is written as a JSON escape, which JSON.parse reads back as the character.
 */
export function jsonDataElementText(value: unknown): string {
  return JSON.stringify(value).replace(
    UNSAFE_IN_SCRIPT,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
