export type Align = 'left' | 'right';

/**
 * A plain-text table: columns padded to their widest cell, numbers right-aligned by default (any
 * cell that starts like a number), a dashed line under the header. Readable in a terminal and in CI
 * logs alike, and pasteable into an issue.
 */
export function renderTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  align?: readonly Align[],
): string {
  const widths = header.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const alignOf = (i: number) =>
    align?.[i] ??
    (rows.length > 0 && rows.every((row) => /^[-+]?[\d.,]+|^n\/a$/.test(row[i] ?? '')) ? 'right' : 'left');
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (alignOf(i) === 'right' ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
