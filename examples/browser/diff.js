// A line diff for the commit view: Myers' O(ND) algorithm after trimming the
// common head and tail, bounded (past `maxEdits` differing lines the rest
// reads as replaced, so a huge rewrite cannot stall the page), then grouped
// into hunks with a few lines of context, as `git diff` shows them.

// Lines with their "\n", so a missing final newline is a difference too.
const splitLines = (text) => text.match(/[^\n]*\n|[^\n]+$/g) ?? [];

// The edit script between a and b (arrays of lines) as ['=' | '-' | '+', line] pairs,
// or null when it needs more than maxEdits insertions and deletions.
function myers(a, b, maxEdits) {
  const n = a.length;
  const m = b.length;
  const max = Math.min(n + m, maxEdits);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3); // v[offset + k]: furthest x reached on diagonal k = x - y
  const trace = []; // trace[d]: v's diagonals -d-1..d+1 before round d
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice(offset - d - 1, offset + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) return backtrack(trace, a, b, d);
    }
  }
  return null;
}

function backtrack(trace, a, b, edits) {
  const ops = [];
  let x = a.length;
  let y = b.length;
  for (let d = edits; d > 0; d--) {
    const before = (k) => trace[d][k + d + 1];
    const k = x - y;
    const prevK = k === -d || (k !== d && before(k - 1) < before(k + 1)) ? k + 1 : k - 1;
    const prevX = before(prevK);
    const prevY = prevX - prevK;
    for (; x > prevX && y > prevY; y--) ops.push(['=', a[--x]]);
    if (x === prevX) ops.push(['+', b[--y]]);
    else ops.push(['-', a[--x]]);
  }
  while (x > 0) ops.push(['=', a[--x]]);
  return ops.reverse();
}

// [{ op: ' ' | '-' | '+', text, oldLine, newLine }] for every line of both texts,
// and whether the bound cut the search short.
export function diffLines(oldText, newText, { maxEdits = 1000 } = {}) {
  const a = splitLines(oldText);
  const b = splitLines(newText);
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tailA = a.length;
  let tailB = b.length;
  while (tailA > head && tailB > head && a[tailA - 1] === b[tailB - 1]) {
    tailA--;
    tailB--;
  }
  const middleA = a.slice(head, tailA);
  const middleB = b.slice(head, tailB);
  let middle = myers(middleA, middleB, maxEdits);
  const truncated = middle === null;
  if (truncated) middle = [...middleA.map((l) => ['-', l]), ...middleB.map((l) => ['+', l])];
  const ops = [...a.slice(0, head).map((l) => ['=', l]), ...middle, ...a.slice(tailA).map((l) => ['=', l])];

  const lines = [];
  let oldLine = 0;
  let newLine = 0;
  for (const [op, text] of ops) {
    const line = { op: op === '=' ? ' ' : op, text: text.endsWith('\n') ? text.slice(0, -1) : text, noNewline: !text.endsWith('\n') };
    if (op !== '+') line.oldLine = ++oldLine;
    if (op !== '-') line.newLine = ++newLine;
    lines.push(line);
  }
  return { lines, truncated };
}

// Changed lines with `context` unchanged lines around them, as hunks:
// [{ oldStart, newStart, lines }] (hunks closer than 2 * context merge). Empty when nothing changed.
export function hunks(lines, context = 3) {
  const ranges = [];
  lines.forEach((line, i) => {
    if (line.op === ' ') return;
    const from = Math.max(0, i - context);
    const to = Math.min(lines.length - 1, i + context);
    const last = ranges[ranges.length - 1];
    if (last && from <= last.to + 1) last.to = to;
    else ranges.push({ from, to });
  });
  return ranges.map(({ from, to }) => {
    const before = lines.slice(0, from);
    return {
      oldStart: before.filter((l) => l.op !== '+').length + 1,
      newStart: before.filter((l) => l.op !== '-').length + 1,
      lines: lines.slice(from, to + 1),
    };
  });
}
