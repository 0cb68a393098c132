/**
 * AMF0, the value encoding of RTMP commands (pure). Encodes the few types a publishing client sends and
 * decodes what servers answer with; anything else is a clear error, never a guess.
 */
export type Amf0Value = number | boolean | string | null | undefined | Amf0Object | Amf0Value[];
export interface Amf0Object {
  [key: string]: Amf0Value;
}

const enum Marker {
  Number = 0,
  Boolean = 1,
  String = 2,
  Object = 3,
  Null = 5,
  Undefined = 6,
  EcmaArray = 8,
  ObjectEnd = 9,
  StrictArray = 10,
  Date = 11,
  LongString = 12,
}

function utf8(text: string): Buffer {
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length > 0xffff) throw new Error("AMF0 string longer than 65535 bytes");
  const out = Buffer.alloc(2 + bytes.length);
  out.writeUInt16BE(bytes.length, 0);
  bytes.copy(out, 2);
  return out;
}

function encodeValue(value: Amf0Value): Buffer {
  if (value === null) return Buffer.of(Marker.Null);
  if (value === undefined) return Buffer.of(Marker.Undefined);
  if (typeof value === "number") {
    const out = Buffer.alloc(9);
    out[0] = Marker.Number;
    out.writeDoubleBE(value, 1);
    return out;
  }
  if (typeof value === "boolean") return Buffer.of(Marker.Boolean, value ? 1 : 0);
  if (typeof value === "string") return Buffer.concat([Buffer.of(Marker.String), utf8(value)]);
  if (Array.isArray(value)) {
    const head = Buffer.alloc(5);
    head[0] = Marker.StrictArray;
    head.writeUInt32BE(value.length, 1);
    return Buffer.concat([head, ...value.map(encodeValue)]);
  }
  const parts = Object.entries(value).flatMap(([key, item]) => [utf8(key), encodeValue(item)]);
  return Buffer.concat([Buffer.of(Marker.Object), ...parts, Buffer.of(0, 0, Marker.ObjectEnd)]);
}

/** Values one after another, as in a command message body. */
export function encodeAmf0(...values: Amf0Value[]): Buffer {
  return Buffer.concat(values.map(encodeValue));
}

class Reader {
  at = 0;
  constructor(readonly bytes: Uint8Array) {}
  need(n: number): void {
    if (this.at + n > this.bytes.length) throw new Error(`AMF0 value cut short at byte ${this.at}`);
  }
  view(n: number): DataView {
    this.need(n);
    const view = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.at, n);
    this.at += n;
    return view;
  }
  string(lengthBytes: 2 | 4): string {
    const view = this.view(lengthBytes);
    const length = lengthBytes === 2 ? view.getUint16(0) : view.getUint32(0);
    this.need(length);
    const text = new TextDecoder().decode(this.bytes.subarray(this.at, this.at + length));
    this.at += length;
    return text;
  }
}

const MAX_DEPTH = 16;

function properties(reader: Reader, depth: number): Amf0Object {
  const out: Amf0Object = {};
  for (;;) {
    const key = reader.string(2);
    reader.need(1);
    if (key === "" && reader.bytes[reader.at] === Marker.ObjectEnd) {
      reader.at += 1;
      return out;
    }
    out[key] = decodeValue(reader, depth + 1);
  }
}

function decodeValue(reader: Reader, depth: number): Amf0Value {
  if (depth > MAX_DEPTH) throw new Error("AMF0 values nested too deep");
  const marker = reader.view(1).getUint8(0);
  switch (marker) {
    case Marker.Number:
      return reader.view(8).getFloat64(0);
    case Marker.Boolean:
      return reader.view(1).getUint8(0) !== 0;
    case Marker.String:
      return reader.string(2);
    case Marker.LongString:
      return reader.string(4);
    case Marker.Object:
      return properties(reader, depth);
    case Marker.EcmaArray:
      reader.view(4); // the count is a hint; the end marker ends it
      return properties(reader, depth);
    case Marker.StrictArray: {
      const count = reader.view(4).getUint32(0);
      reader.need(count); // every value takes at least one byte: a huge count in a small body is refused here
      return Array.from({ length: count }, () => decodeValue(reader, depth + 1));
    }
    case Marker.Date: {
      const ms = reader.view(10).getFloat64(0);
      return ms;
    }
    case Marker.Null:
      return null;
    case Marker.Undefined:
      return undefined;
    default:
      throw new Error(`AMF0 type ${marker} at byte ${reader.at - 1} is not supported`);
  }
}

/** Every value in a command message body. Throws on a cut or unknown value. */
export function decodeAmf0(bytes: Uint8Array): Amf0Value[] {
  const reader = new Reader(bytes);
  const values: Amf0Value[] = [];
  while (reader.at < bytes.length) values.push(decodeValue(reader, 0));
  return values;
}
