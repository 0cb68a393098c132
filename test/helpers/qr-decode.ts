import jsQR from "jsqr";

/** Half-block characters → [top module light, bottom module light], as a dark-background terminal shows them. */
const halves: Record<string, [boolean, boolean]> = { "█": [true, true], "▀": [true, false], "▄": [false, true], " ": [false, false] };

/** The lines of `text` drawn only with half blocks and spaces: a QR code printed to a terminal. */
export function qrLines(text: string): string[] {
  return text.split(/\r?\n/).filter((line) => line.length >= 21 && /^[█▀▄ ]+$/.test(line));
}

/**
 * Decode a terminal QR code (light modules as blocks) the way a phone camera sees it on a dark terminal:
 * each module becomes a `scale`-pixel square in an RGBA buffer, light = white, then jsQR reads it without
 * trying the inverted image, so a code drawn with the wrong polarity fails.
 */
export function decodeTerminalQr(lines: string[], scale = 4): string | undefined {
  const width = Math.max(...lines.map((l) => [...l].length));
  const height = lines.length * 2;
  const pixels = new Uint8ClampedArray(width * scale * height * scale * 4);
  lines.forEach((line, row) => {
    [...line].forEach((char, col) => {
      const [top, bottom] = halves[char] ?? [false, false];
      for (const [half, light] of [[0, top], [1, bottom]] as const) {
        for (let dy = 0; dy < scale; dy++) {
          for (let dx = 0; dx < scale; dx++) {
            const i = (((row * 2 + half) * scale + dy) * width * scale + col * scale + dx) * 4;
            pixels.fill(light ? 255 : 0, i, i + 3);
            pixels[i + 3] = 255;
          }
        }
      }
    });
  });
  return jsQR(pixels, width * scale, height * scale, { inversionAttempts: "dontInvert" })?.data;
}
