// Core: finds a key repeated within one object of JSON text (JSON.parse silently keeps the last).
/**
 * The path of the first key that appears twice in the same object (`rules[0].match.who`), or undefined.
 * Expects text that `JSON.parse` accepts. One pass, no recursion: any length and any depth.
 */
export function duplicateKeyPath(text: string): string | undefined {
  type Frame = { readonly path: string; keys?: Set<string>; index: number };
  const stack: Frame[] = [];
  let pendingKey: string | undefined;
  let i = 0;
  const here = (): string => {
    const top = stack[stack.length - 1];
    if (!top) return '';
    return top.keys ? joinKey(top.path, pendingKey ?? '') : `${top.path}[${top.index}]`;
  };
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      const end = stringEnd(text, i);
      const top = stack[stack.length - 1];
      if (top?.keys && pendingKey === undefined && isKey(text, end)) {
        const key = JSON.parse(text.slice(i, end)) as string;
        if (top.keys.has(key)) return joinKey(top.path, key);
        top.keys.add(key);
        pendingKey = key;
      }
      i = end;
      continue;
    }
    if (c === '{' || c === '[') {
      stack.push({ path: here(), keys: c === '{' ? new Set() : undefined, index: 0 });
      pendingKey = undefined;
    } else if (c === '}' || c === ']') {
      stack.pop();
      pendingKey = undefined;
    } else if (c === ',') {
      const top = stack[stack.length - 1];
      if (top && !top.keys) top.index++;
      pendingKey = undefined;
    }
    i++;
  }
  return undefined;
}

/** The index just past the closing quote of the string starting at `start`. */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
  return i + 1;
}

/** True when the next non-space character after a string is `:` (the string is a key). */
function isKey(text: string, from: number): boolean {
  let i = from;
  while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  return text[i] === ':';
}

function joinKey(path: string, key: string): string {
  const name = /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
  return path ? `${path}.${name}` : name;
}
