/** One problem found in an input, with the path of the offending field (`steps[2].hold.timeoutNext`). */
export interface Problem {
  path: string;
  message: string;
}

/** How validators hand back a problem; they report every one rather than stopping at the first. */
export type Report = (path: string, message: string) => void;

/** Characters, not UTF-16 units, as people count them in a name. */
export function textLength(text: string): number {
  return [...text].length;
}

/** A value as a message shows it: quoted, and cut short so a hostile input cannot flood the answer. */
export function quote(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text);
}

/** `base` followed by a path relative to it (`mapping` + `data.email`, or `branches` + `[0].next`). */
export function joinPath(base: string, relative: string): string {
  if (!relative) return base;
  return relative.startsWith('[') ? `${base}${relative}` : `${base}.${relative}`;
}
