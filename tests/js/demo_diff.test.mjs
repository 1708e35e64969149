// The browser demo's line diff (examples/browser/diff.js, plain ES module):
// every edit script rebuilds both texts, is minimal (as long as an LCS says),
// stays bounded on a rewrite, and groups into hunks with context as git shows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffLines, hunks } from '../../examples/browser/diff.js';

const side = (lines, drop) => lines.filter((l) => l.op !== drop).map((l) => l.text + (l.noNewline ? '' : '\n')).join('');

function lcsLength(a, b) {
  const dp = Array.from({ length: a.length + 1 }, () => new Array(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) for (let j = b.length - 1; j >= 0; j--) dp[i][j] = a[i] === b[j] ? dp[i + 1][j + 1] + 1 : Math.max(dp[i + 1][j], dp[i][j + 1]);
  return dp[0][0];
}

test('diffLines: a minimal edit script that rebuilds both texts (random texts against an LCS)', () => {
  let seed = 7;
  const next = (n) => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
  const text = () => Array.from({ length: next(25) }, () => `${'abcd'[next(4)]}\n`).join('');
  for (let i = 0; i < 500; i++) {
    const a = text();
    const b = text();
    const { lines, truncated } = diffLines(a, b);
    assert.equal(truncated, false);
    assert.equal(side(lines, '+'), a);
    assert.equal(side(lines, '-'), b);
    const aLines = a.split('\n').slice(0, -1);
    const bLines = b.split('\n').slice(0, -1);
    const edits = lines.filter((l) => l.op !== ' ').length;
    assert.equal(edits, aLines.length + bLines.length - 2 * lcsLength(aLines, bLines), `${JSON.stringify(a)} -> ${JSON.stringify(b)}`);
  }
});

test('diffLines: line numbers, a missing final newline, empty sides', () => {
  assert.deepEqual(diffLines('a\nb\nc\n', 'a\nx\nc\n').lines, [
    { op: ' ', text: 'a', noNewline: false, oldLine: 1, newLine: 1 },
    { op: '-', text: 'b', noNewline: false, oldLine: 2 },
    { op: '+', text: 'x', noNewline: false, newLine: 2 },
    { op: ' ', text: 'c', noNewline: false, oldLine: 3, newLine: 3 },
  ]);
  assert.deepEqual(diffLines('a\nb', 'a\nb\n').lines.map((l) => [l.op, l.text, l.noNewline]), [[' ', 'a', false], ['-', 'b', true], ['+', 'b', false]]);
  assert.deepEqual(diffLines('', 'new\n').lines.map((l) => l.op), ['+']);
  assert.deepEqual(diffLines('old\n', '').lines.map((l) => l.op), ['-']);
  assert.deepEqual(diffLines('', '').lines, []);
});

test('diffLines: past maxEdits the middle reads as replaced, still rebuilding both sides', () => {
  const a = Array.from({ length: 3000 }, (_, i) => `line ${i}\n`).join('');
  const b = Array.from({ length: 3000 }, (_, i) => `line ${i * 7}\n`).join('');
  const started = performance.now();
  const { lines, truncated } = diffLines(a, b, { maxEdits: 200 });
  assert.equal(truncated, true);
  assert.equal(side(lines, '+'), a);
  assert.equal(side(lines, '-'), b);
  assert.ok(performance.now() - started < 5000, 'bounded work');
});

test('hunks: changes with three lines of context; close changes share a hunk', () => {
  const a = Array.from({ length: 30 }, (_, i) => `l${i}\n`).join('');
  const b = a.replace('l5\n', 'L5\n').replace('l9\n', 'L9\n').replace('l20\n', 'L20\n');
  const found = hunks(diffLines(a, b).lines).map((h) => [h.oldStart, h.newStart, h.lines.map((l) => l.op + l.text).join(',')]);
  assert.deepEqual(found, [
    [3, 3, ' l2, l3, l4,-l5,+L5, l6, l7, l8,-l9,+L9, l10, l11, l12'],
    [18, 18, ' l17, l18, l19,-l20,+L20, l21, l22, l23'],
  ]);
  assert.deepEqual(hunks(diffLines(a, a).lines), []);
  // Two lines added on top: they join the first hunk, and the next starts two lines later on the new side.
  const grown = `x\ny\n${b}`;
  assert.deepEqual(hunks(diffLines(a, grown).lines).map((h) => [h.oldStart, h.newStart, h.lines.length]), [[1, 1, 17], [18, 20, 8]]);
});
