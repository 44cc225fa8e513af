/** How a column's cells line up: text to the left, numbers to the right. */
export type ColumnAlign = 'left' | 'right';

/**
 * An aligned text table: the header, then one line per row, columns two spaces apart, each as
 * wide as its widest cell, without trailing spaces. `align` gives each column's alignment (left
 * where it has none). Cells are printed as given: decimal strings never go through a float.
 */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  align: readonly ColumnAlign[] = [],
): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    widths
      .map((width, i) => {
        const cell = cells[i] ?? '';
        return align[i] === 'right' ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}
