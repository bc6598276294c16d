import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { localName, type XmlNode } from './xml-node.ts';

/*
 * Streaming walk over a POSLog document with saxes: text goes in chunk by chunk, and each <Transaction>
 * comes out as a small plain tree as soon as its end tag has been read, so a file of any size is never
 * held whole. Everything outside a <Transaction> (the POSLog root, vendor envelopes) is only checked for
 * well-formedness. Namespaces are not resolved: dialects bind prefixes inconsistently (and some forget to
 * declare them), and the mapper matches on local names anyway.
 */

/** The document is not well-formed XML (or not POSLog at all). Nothing of it may be kept. */
export class PosLogFormatError extends Error {
  constructor(
    readonly line: number | null,
    readonly column: number | null,
    readonly reason: string,
  ) {
    super(line === null ? reason : `line ${line}, column ${column ?? 0}: ${reason}`);
    this.name = 'PosLogFormatError';
  }
}

export interface PosLogCollector {
  /** Feeds more text; returns the transactions completed by it, in document order. */
  write(text: string): XmlNode[];
  /** The document is over: checks it was complete; returns what was still pending (nothing, normally). */
  end(): XmlNode[];
}

const NOT_BLANK = /\S/;

interface Building {
  node: XmlNode;
  text: string[];
}

export function createPosLogCollector(): PosLogCollector {
  const parser = new SaxesParser({ xmlns: false, position: true });
  let root: string | null = null;
  let transactions = 0;
  /** Open elements of the transaction being collected; empty outside a transaction. */
  const stack: Building[] = [];
  let done: XmlNode[] = [];

  const lineOfTag = () => parser.line;

  parser.on('opentag', (tag: SaxesTagPlain) => {
    const name = localName(tag.name);
    if (root === null) root = name;
    if (stack.length === 0 && name !== 'transaction') return;
    const attrs: Record<string, string> = {};
    for (const key in tag.attributes) {
      if (key === 'xmlns' || key.startsWith('xmlns:')) continue;
      attrs[localName(key)] = tag.attributes[key]!;
    }
    const node: XmlNode = { name, attrs, children: [], text: '', line: lineOfTag() };
    stack.at(-1)?.node.children.push(node);
    stack.push({ node, text: [] });
  });
  const addText = (t: string) => {
    const top = stack.at(-1);
    if (top && NOT_BLANK.test(t)) top.text.push(t);
  };
  parser.on('text', addText);
  parser.on('cdata', addText);
  parser.on('closetag', () => {
    const top = stack.pop();
    if (!top) return;
    top.node.text = top.text.join('').trim();
    if (stack.length === 0) {
      transactions += 1;
      done.push(top.node);
    }
  });

  const guarded = (work: () => void): XmlNode[] => {
    try {
      work();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // saxes prefixes its messages with "line:column: ".
      const m = /^(\d+):(\d+): (.*)$/s.exec(message);
      throw new PosLogFormatError(m ? Number(m[1]) : parser.line, m ? Number(m[2]) : parser.column, m ? m[3]! : message);
    }
    const out = done;
    done = [];
    return out;
  };

  return {
    write: (text) => guarded(() => parser.write(text)),
    end: () => {
      const out = guarded(() => parser.close());
      // saxes has refused a document without a root element by now.
      if (transactions === 0 && root !== 'poslog') throw new PosLogFormatError(1, 0, `not a POSLog document (root element <${root}>)`);
      return out;
    },
  };
}

/** Every transaction of a document held in memory (the HTTP body); throws PosLogFormatError. */
export function parsePosLogDocument(text: string): XmlNode[] {
  const collector = createPosLogCollector();
  return [...collector.write(text), ...collector.end()];
}

/** Transactions of a streamed document, in batches as the text arrives; throws PosLogFormatError. */
export async function* readPosLogTransactions(chunks: AsyncIterable<string>): AsyncGenerator<XmlNode[]> {
  const collector = createPosLogCollector();
  for await (const chunk of chunks) {
    const batch = collector.write(chunk);
    if (batch.length > 0) yield batch;
  }
  const rest = collector.end();
  if (rest.length > 0) yield rest;
}
