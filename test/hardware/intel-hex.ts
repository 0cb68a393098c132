/**
 * Intel HEX (the format avrdude flashes) into a flat program image. Only the record types an AVR
 * toolchain emits: 00 data, 01 end of file, 02 extended segment address, 04 extended linear address.
 */
export function parseIntelHex(text: string, size = 0x8000): Uint8Array {
  const image = new Uint8Array(size).fill(0xff);
  let base = 0;
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const line = (lines[n] ?? "").trim();
    if (!line) continue;
    if (!line.startsWith(":") || line.length < 11 || line.length % 2 === 0) throw new Error(`line ${n + 1}: not an Intel HEX record`);
    const bytes = Uint8Array.from(line.slice(1).match(/../g) ?? [], (h) => Number.parseInt(h, 16));
    const count = bytes[0]!;
    if (bytes.length !== count + 5) throw new Error(`line ${n + 1}: length ${count} does not match the record`);
    const sum = bytes.reduce((a, b) => (a + b) & 0xff, 0);
    if (sum !== 0) throw new Error(`line ${n + 1}: bad checksum`);
    const address = (bytes[1]! << 8) | bytes[2]!;
    const type = bytes[3]!;
    const data = bytes.subarray(4, 4 + count);
    if (type === 0x00) {
      const at = base + address;
      if (at + count > size) throw new Error(`line ${n + 1}: data at 0x${at.toString(16)} is past the ${size}-byte flash`);
      image.set(data, at);
    } else if (type === 0x01) {
      return image;
    } else if (type === 0x02) {
      base = ((data[0]! << 8) | data[1]!) * 16;
    } else if (type === 0x04) {
      base = ((data[0]! << 8) | data[1]!) << 16;
    }
  }
  return image;
}
