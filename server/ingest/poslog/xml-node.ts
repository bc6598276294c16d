/*
 * The small plain tree one POSLog <Transaction> is collected into. Names are local names (prefix dropped)
 * in lower case: dialects put the same element under different prefixes (acs:LoyaltyID, fu:SalesMode) and
 * spell some of them differently (EMail, Email), so every lookup here is by lower-cased local name.
 */

export interface XmlNode {
  /** Local name, lower case. */
  name: string;
  /** Attributes by lower-cased local name (namespace declarations dropped). */
  attrs: Record<string, string>;
  children: XmlNode[];
  /** The element's own text (CDATA included), trimmed; '' when it has none. */
  text: string;
  /** 1-based line of the start tag in the document. */
  line: number;
}

// Names repeat endlessly in a POSLog file: lower-case and split each distinct one once.
const localNames = new Map<string, string>();
const lowerNames = new Map<string, string>();

export const localName = (qualified: string): string => {
  let local = localNames.get(qualified);
  if (local === undefined) {
    const colon = qualified.indexOf(':');
    local = (colon < 0 ? qualified : qualified.slice(colon + 1)).toLowerCase();
    if (localNames.size < 10_000) localNames.set(qualified, local);
  }
  return local;
};

const lower = (name: string): string => {
  let l = lowerNames.get(name);
  if (l === undefined) {
    l = name.toLowerCase();
    if (lowerNames.size < 10_000) lowerNames.set(name, l);
  }
  return l;
};

/** A test for "name is one of `names`", with the names lower-cased once per lookup, not per child. */
function matcher(names: string[]): (node: XmlNode) => boolean {
  if (names.length === 1) {
    const only = lower(names[0]!);
    return (node) => node.name === only;
  }
  const wanted = names.map(lower);
  return (node) => wanted.includes(node.name);
}

/** The first child whose name is one of `names` (in the order of the children). */
export function child(node: XmlNode | null | undefined, ...names: string[]): XmlNode | null {
  if (!node) return null;
  const is = matcher(names);
  for (const c of node.children) if (is(c)) return c;
  return null;
}

export function childrenNamed(node: XmlNode | null | undefined, ...names: string[]): XmlNode[] {
  const out: XmlNode[] = [];
  if (!node) return out;
  const is = matcher(names);
  for (const c of node.children) if (is(c)) out.push(c);
  return out;
}

/** Follows first children by name: path(tx, 'BusinessUnit', 'UnitID'). */
export function path(node: XmlNode | null | undefined, ...names: string[]): XmlNode | null {
  let at: XmlNode | null = node ?? null;
  for (const n of names) at = child(at, n);
  return at;
}

/** Every element below `node` (depth first, document order) whose name is one of `names`. */
export function descendants(node: XmlNode | null | undefined, ...names: string[]): XmlNode[] {
  const out: XmlNode[] = [];
  const is = matcher(names);
  const walk = (n: XmlNode) => {
    for (const c of n.children) {
      if (is(c)) out.push(c);
      walk(c);
    }
  };
  if (node) walk(node);
  return out;
}

/** Trimmed text of a node, null when the node is missing or empty. */
export function textOf(node: XmlNode | null | undefined): string | null {
  return node && node.text !== '' ? node.text : null;
}

/** Text of the first child named one of `names` that has text. */
export function childText(node: XmlNode | null | undefined, ...names: string[]): string | null {
  if (!node) return null;
  for (const n of names) {
    const t = textOf(child(node, n));
    if (t !== null) return t;
  }
  return null;
}

export function attr(node: XmlNode | null | undefined, name: string): string | null {
  return node?.attrs[lower(name)] ?? null;
}

/** POSLog flags are xs:boolean: "true"/"1" (some POS write "True" or "yes"). */
export const isTrue = (value: string | null | undefined): boolean => value !== null && value !== undefined && /^(true|1|yes)$/i.test(value.trim());

/** A flag given as an attribute or as a child element of the node (both forms occur). */
export const flag = (node: XmlNode | null | undefined, name: string): boolean => isTrue(attr(node, name)) || isTrue(childText(node, name));
