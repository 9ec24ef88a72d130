/**
 * The runs where card numbers, SSNs, telephone numbers (`0-9 ().-`) and IBANs (`A-Z0-9 `) can be, found
 * in one pass over the text's UTF-8 bytes by a small WebAssembly kernel (byte-runs.wat) instead of two
 * whole-text regex passes. Why: over text dense in digits and capitals (base64, hashes) irregexp tries
 * each position at about 1.2 ns a character, 10–11 ms per 4 MiB for the two patterns in workerd, while
 * SIMD compares over 16 bytes at a time look only at the blocks that can hold such a run. The detectors'
 * own regexes then run only inside these runs (triggers.ts, region patterns), so what they find is what
 * a regex over the whole text finds (test/unit/content/byte-runs.test.ts, triggers.test.ts).
 *
 * Memory: the kernel's linear memory holds the text's UTF-8 bytes (at most 3 bytes a UTF-16 unit) and
 * the runs; it grows to fit the largest text scanned in the isolate (texts are at most 4 MiB: reads and
 * writes are capped) and is reused by every scan, one at a time (a scan is synchronous).
 */
import byteRunsModule from "./byte-runs.wasm";
import type { Run } from "./triggers";

interface ByteRunsKernel {
  readonly memory: WebAssembly.Memory;
  find(length: number, out: number, outEnd: number): number;
}

export interface TextRuns {
  readonly number: readonly Run[];
  readonly iban: readonly Run[];
}

/** Where the kernel expects the input (byte-runs.wat); the first page holds its class table. */
const INPUT = 65536;
const PAGE = 65536;
const RECORD_BYTES = 16;
/** Room for runs on the first try; a text with more asks again with room for the most it can have. */
const FIRST_RECORDS = 16_384;

let kernel: ByteRunsKernel | undefined;
const encoder = new TextEncoder();

function ensureBytes(memory: WebAssembly.Memory, bytes: number): void {
  const missing = bytes - memory.buffer.byteLength;
  if (missing > 0) memory.grow(Math.ceil(missing / PAGE));
}

const align16 = (offset: number) => (offset + 15) & ~15;

export function findTextRuns(text: string): TextRuns {
  kernel ??= new WebAssembly.Instance(byteRunsModule, {}).exports as unknown as ByteRunsKernel;
  const { memory } = kernel;
  // Encoded once into room for ASCII; text with other characters is encoded again into room for any.
  ensureBytes(memory, INPUT + text.length + 16);
  let { read, written } = encoder.encodeInto(text, new Uint8Array(memory.buffer, INPUT, text.length));
  if (read < text.length) {
    ensureBytes(memory, INPUT + text.length * 3 + 16);
    ({ read, written } = encoder.encodeInto(text, new Uint8Array(memory.buffer, INPUT, text.length * 3)));
  }
  new Uint8Array(memory.buffer, INPUT + written, 16).fill(0);
  const out = align16(INPUT + written + 16);
  // Each number run takes 10 bytes with its separator, each IBAN run 16: never more than `most`.
  const most = Math.ceil(written / 10) + Math.ceil(written / 16) + 2;
  for (const records of most > FIRST_RECORDS ? [FIRST_RECORDS, most] : [most]) {
    ensureBytes(memory, out + records * RECORD_BYTES);
    const count = kernel.find(written, out, out + records * RECORD_BYTES);
    if (count >= 0) return decode(new Int32Array(memory.buffer, out, count * 4));
  }
  throw new Error("byte-runs: more runs than a text can hold");
}

function decode(records: Int32Array): TextRuns {
  const number: Run[] = [];
  const iban: Run[] = [];
  for (let index = 0; index < records.length; index += 4) {
    const run: Run = { start: records[index + 1]!, end: records[index + 2]!, digits: records[index + 3]! };
    (records[index] === 0 ? number : iban).push(run);
  }
  return { number, iban };
}
