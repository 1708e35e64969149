// Plain-text output of the CLI: aligned columns and key/value blocks, no
// colours (the output is as readable in a log file as on a terminal).

// "2026-05-18T15:53:46.833Z" (or Unix seconds) -> "2026-05-18 15:53:46Z"; '-' for none.
export function formatTime(value) {
  if (value === null || value === undefined || value === '') return '-';
  const date = typeof value === 'number' ? new Date(value * 1000) : new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export function formatValue(value) {
  if (value === null || value === undefined || value === '') return '-';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return String(value);
}

// One line of at most `width` characters (a commit message's subject).
export function oneLine(text, width = 72) {
  const line = String(text ?? '').split('\n')[0].trim();
  return line.length > width ? `${line.slice(0, width - 3)}...` : line;
}

// columns: [[heading, (row) => text], ...]. The last column is not padded,
// so lines carry no trailing spaces.
export function table(rows, columns) {
  const cells = rows.map((row) => columns.map(([, get]) => formatValue(get(row))));
  const widths = columns.map(([heading], i) => Math.max(heading.length, ...cells.map((c) => c[i].length)));
  const line = (values) => values.map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(columns.map(([heading]) => heading)), ...cells.map(line)].join('\n') + '\n';
}

// pairs: [[label, value], ...] -> "label:  value" lines, labels aligned.
export function details(pairs) {
  const width = Math.max(...pairs.map(([label]) => label.length)) + 1;
  return pairs.map(([label, value]) => `${`${label}:`.padEnd(width)}  ${formatValue(value)}`).join('\n') + '\n';
}
