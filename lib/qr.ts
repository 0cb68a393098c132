import { renderUnicodeCompact } from "uqr";

/**
 * A QR code of `text` for a terminal, two modules a character (half blocks), light modules drawn as blocks
 * so it scans on the usual dark terminal background, with the quiet zone of 4 modules the standard asks for.
 */
export function terminalQr(text: string): string {
  return renderUnicodeCompact(text, { border: 4 });
}
