/**
 * Streams the members of a top-level JSON object: array members item by item (so a large
 * authorization-details file never sits in memory whole), other members as whole values.
 */
import { createReadStream } from 'node:fs';
import StreamJson from 'stream-json';
import Assembler from 'stream-json/Assembler.js';
import { AppError, errorMessage } from '../../../cypher/errors.js';

export interface TopLevelVisitor {
  /** An item of the top-level array `key`, with its index. */
  item(key: string, value: unknown, index: number): void | Promise<void>;
  /** A top-level member that is not an array. */
  value?(key: string, value: unknown): void | Promise<void>;
  /** A top-level array ended. */
  endArray?(key: string): void | Promise<void>;
}

type Token = { name: string; value?: unknown };

export async function streamTopLevel(file: string, visitor: TopLevelVisitor): Promise<void> {
  const tokens = createReadStream(file).pipe(
    StreamJson.parser({
      packKeys: true,
      packStrings: true,
      packNumbers: true,
      streamKeys: false,
      streamStrings: false,
      streamNumbers: false,
    }),
  );
  let depth = 0;
  let key: string | null = null;
  let arrayKey: string | null = null;
  let index = 0;
  let asm: Assembler | null = null;
  let sawRoot = false;
  const feed = (a: Assembler, t: Token) =>
    (a as unknown as Record<string, (v: unknown) => void>)[t.name]!(t.value);
  const finish = async (value: unknown) => {
    asm = null;
    if (arrayKey !== null) {
      await visitor.item(arrayKey, value, index);
      index += 1;
    } else if (key !== null) await visitor.value?.(key, value);
  };
  try {
    for await (const t of tokens as AsyncIterable<Token>) {
      if (asm) {
        feed(asm, t);
        if ((asm as Assembler).done) await finish((asm as Assembler).current);
        continue;
      }
      if (depth === 0) {
        if (t.name !== 'startObject')
          throw new AppError('INPUT_UNRECOGNIZED', `${file}: expected a JSON object at the top level`);
        sawRoot = true;
        depth = 1;
        continue;
      }
      if (depth === 1) {
        if (t.name === 'endObject') {
          depth = 0;
          continue;
        }
        if (t.name === 'keyValue') {
          key = String(t.value);
          continue;
        }
        if (t.name === 'startArray') {
          arrayKey = key;
          index = 0;
          depth = 2;
          continue;
        }
      } else if (depth === 2 && t.name === 'endArray') {
        const k = arrayKey!;
        arrayKey = null;
        depth = 1;
        await visitor.endArray?.(k);
        continue;
      }
      const a = new Assembler();
      feed(a, t);
      if (a.done) await finish(a.current);
      else asm = a;
    }
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError('INPUT_UNRECOGNIZED', `${file}: not valid JSON (${errorMessage(err)})`, {
      cause: err,
    });
  }
  if (!sawRoot) throw new AppError('INPUT_UNRECOGNIZED', `${file}: empty file`);
}
