/**
 * Buffered file output with back-pressure and a running SHA-256, so the generator streams
 * large files without holding them in memory.
 */
import { createHash, type Hash } from 'node:crypto';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import path from 'node:path';

const FLUSH_AT = 256 * 1024;

export class OutFile {
  readonly file: string;
  private stream: WriteStream;
  private buf: string[] = [];
  private bufLen = 0;
  private hash: Hash = createHash('sha256');
  bytes = 0;

  constructor(file: string) {
    this.file = file;
    mkdirSync(path.dirname(file), { recursive: true });
    this.stream = createWriteStream(file);
  }

  /** Appends text; resolves at once unless the buffer is full and the disk is behind. */
  async write(text: string): Promise<void> {
    this.buf.push(text);
    this.bufLen += text.length;
    if (this.bufLen >= FLUSH_AT) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.buf.length === 0) return;
    const chunk = Buffer.from(this.buf.join(''), 'utf8');
    this.buf = [];
    this.bufLen = 0;
    this.hash.update(chunk);
    this.bytes += chunk.length;
    if (!this.stream.write(chunk)) await new Promise<void>((resolve) => this.stream.once('drain', resolve));
  }

  /** Flushes, closes and returns the file's SHA-256. */
  async close(): Promise<string> {
    await this.flush();
    await new Promise<void>((resolve, reject) => {
      this.stream.once('error', reject);
      this.stream.end(resolve);
    });
    return this.hash.digest('hex');
  }
}

/** Writes a JSON array one element at a time (`[\n  {...},\n  {...}\n]`). */
export class JsonArrayWriter {
  private first = true;
  constructor(
    readonly out: OutFile,
    private readonly indent = '',
  ) {}

  async open(prefix = ''): Promise<void> {
    await this.out.write(`${prefix}[`);
  }

  async item(value: unknown): Promise<void> {
    await this.out.write(`${this.first ? '' : ','}\n${this.indent}  ${JSON.stringify(value)}`);
    this.first = false;
  }

  async close(suffix = ''): Promise<void> {
    await this.out.write(`${this.first ? '' : `\n${this.indent}`}]${suffix}`);
  }
}
