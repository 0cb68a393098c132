/**
 * The frame-counter barcode of the latency benchmark, drawn by ffmpeg (`drawbox`, one box per bit, enabled
 * by an expression of the frame number `n`) and read back from decoded pictures (pure).
 *
 * A 640×64 black band at the top of the picture holds two rows of 16 boxes (32×32, macroblock-aligned):
 * row A is white where bit i of n is 1, row B is white where it is 0. A reading is valid only when the two
 * rows disagree on every bit, so a smeared or half-decoded picture is never mistaken for another frame.
 */
const BITS = 16;
export const BAND_HEIGHT = 64;
const BOX = 32;
const X0 = 64;

/** ffmpeg filter chain that draws the barcode of frame `n` (appended after the plan's scale filter). */
export function barcodeFilters(): string {
  const filters = [`drawbox=x=0:y=0:w=640:h=${BAND_HEIGHT}:color=black:t=fill`];
  for (let i = 0; i < BITS; i++) {
    const bit = `mod(floor(n/${2 ** i})\\,2)`;
    filters.push(`drawbox=x=${X0 + i * BOX}:y=0:w=${BOX}:h=${BOX}:color=white:t=fill:enable='eq(${bit}\\,1)'`);
    filters.push(`drawbox=x=${X0 + i * BOX}:y=${BOX}:w=${BOX}:h=${BOX}:color=white:t=fill:enable='eq(${bit}\\,0)'`);
  }
  return filters.join(",");
}

/**
 * Read the counter from a luma accessor (x, y → 0..255), sampling the 8×8 centre of each box.
 * Returns -1 when the two rows do not agree (not a clean picture).
 */
export function readBarcode(luma: (x: number, y: number) => number): number {
  let value = 0;
  for (let i = 0; i < BITS; i++) {
    const cx = X0 + i * BOX + 12;
    let a = 0;
    let b = 0;
    for (let dy = 0; dy < 8; dy++) {
      for (let dx = 0; dx < 8; dx++) {
        a += luma(cx + dx, 12 + dy);
        b += luma(cx + dx, BOX + 12 + dy);
      }
    }
    const bitA = a / 64 > 128;
    const bitB = b / 64 > 128;
    if (bitA === bitB) return -1;
    if (bitA) value += 2 ** i;
  }
  return value;
}

/** The same reader as browser source text, for the benchmark page (kept in step with readBarcode). */
export const readBarcodeSource = `function readBarcode(luma) {
  let value = 0;
  for (let i = 0; i < ${BITS}; i++) {
    const cx = ${X0} + i * ${BOX} + 12;
    let a = 0, b = 0;
    for (let dy = 0; dy < 8; dy++) for (let dx = 0; dx < 8; dx++) { a += luma(cx + dx, 12 + dy); b += luma(cx + dx, ${BOX} + 12 + dy); }
    const bitA = a / 64 > 128, bitB = b / 64 > 128;
    if (bitA === bitB) return -1;
    if (bitA) value += 2 ** i;
  }
  return value;
}`;
