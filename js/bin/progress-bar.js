// A one-line progress bar for the CLI (git-style text), redrawn in place on a
// terminal and printed at most once per 10% otherwise (logs stay short).
const WIDTH = 24;

const mib = (bytes) => `${((bytes ?? 0) / 1048576).toFixed(1)} MiB`;

// p: a progress report ({ phase, bytesReceived, objectsReceived, objectsTotal }),
// from import()'s onProgress ("refs", "receiving", "done") or a REST progress
// line ("refs", "objects", "done"; objectsTotal null until known).
// labels: what the two stages are called, and whether bytes are counted (a
// fork copies rows rather than receiving a pack).
export function formatImportProgress(p, { refs = 'Listing remote refs...', objects = 'Receiving objects', bytes = true } = {}) {
  if (p.phase === 'refs') return refs;
  const received = p.objectsReceived ?? 0;
  const size = bytes ? `, ${mib(p.bytesReceived)}` : '';
  const done = p.phase === 'done' ? ', done.' : '';
  const total = p.objectsTotal;
  if (!total) return `${objects}: ${received}${size}${done}`;
  const fraction = Math.min(1, received / total);
  const filled = Math.round(fraction * WIDTH);
  const percent = String(Math.floor(fraction * 100)).padStart(3);
  return `${objects}: ${percent}% [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ` +
    `(${received}/${total})${size}${done}`;
}

export function progressBar(stream = process.stderr, labels) {
  const tty = Boolean(stream.isTTY);
  let lastDecile = -1;
  let lastPhase;
  let open = false;
  return {
    update(p) {
      const line = formatImportProgress(p, labels);
      if (tty) {
        stream.write(`\r${line}\x1b[K`);
        open = true;
        return;
      }
      const decile = p.objectsTotal ? Math.floor((10 * p.objectsReceived) / p.objectsTotal) : -1;
      if (p.phase !== lastPhase || decile > lastDecile) stream.write(`${line}\n`);
      lastPhase = p.phase;
      lastDecile = decile;
    },
    end() {
      if (open) stream.write('\n');
      open = false;
    },
  };
}
