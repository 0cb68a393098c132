/** Where results go: stdout, as text or JSON. Logs never go here. */
export interface Output {
  text(line: string): void;
  json(value: unknown): void;
  /** Whether a JSON result was printed (then a failure under --json adds no second object). */
  wroteJson?(): boolean;
}

export function createOutput(write: (chunk: string) => void = (s) => process.stdout.write(s)): Output {
  let wrote = false;
  return {
    text: (line) => write(`${line}\n`),
    json: (value) => {
      wrote = true;
      write(`${JSON.stringify(value, null, 2)}\n`);
    },
    wroteJson: () => wrote,
  };
}

/** The words of `text` in lines of at most `width` characters; a longer word keeps a line to itself. */
function wrapWords(text: string, width: number): string[] {
  if (text.length <= width) return [text]; // as it is, indentation included
  const lines: string[] = [];
  let current = "";
  for (const word of text.split(" ")) {
    if (current && current.length + 1 + word.length > width) {
      lines.push(current);
      current = word;
    } else current = current ? `${current} ${word}` : word;
  }
  return [...lines, current];
}

/**
 * A plain text table with aligned columns. The last column's lines (a cell may hold several, split on
 * newlines) go under one another in that column, wrapped to fit `maxWidth` when one is given (a terminal).
 */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[], maxWidth?: number): string {
  const last = headers.length - 1;
  const lead = headers.slice(0, last).map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const room = maxWidth ? Math.max(20, maxWidth - lead.reduce((sum, w) => sum + w + 2, 0) - 1) : Number.POSITIVE_INFINITY;
  const lastLines = rows.map((r) => (r[last] ?? "").split("\n").flatMap((text) => wrapWords(text, room)));
  const widths = [...lead, Math.max((headers[last] ?? "").length, ...lastLines.flat().map((text) => text.length))];
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  const body = rows.flatMap((r, k) => (lastLines[k] ?? [""]).map((text, j) => line([...(j === 0 ? r.slice(0, last) : lead.map(() => "")), text])));
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...body].join("\n");
}
