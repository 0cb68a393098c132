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

/** A plain text table with aligned columns. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}
