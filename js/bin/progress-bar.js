// A one-line progress bar for the CLI (git-style text), redrawn in place on a
// terminal and printed at most once per 10% otherwise (logs stay short).
const WIDTH = 24;

const mib = (bytes) => `${(bytes / 1048576).toFixed(1)} MiB`;

// p: an import() progress report ({ phase, bytesReceived, objectsReceived, objectsTotal }).
export function formatImportProgress(p) {
  if (p.phase === 'refs') return 'Listing remote refs...';
  const total = p.objectsTotal;
  if (!total) return `Receiving objects: ${p.objectsReceived}, ${mib(p.bytesReceived)}`;
  const fraction = Math.min(1, p.objectsReceived / total);
  const filled = Math.round(fraction * WIDTH);
  const percent = String(Math.floor(fraction * 100)).padStart(3);
  return `Receiving objects: ${percent}% [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ` +
    `(${p.objectsReceived}/${total}), ${mib(p.bytesReceived)}${p.phase === 'done' ? ', done.' : ''}`;
}

export function progressBar(stream = process.stderr) {
  const tty = Boolean(stream.isTTY);
  let lastDecile = -1;
  let lastPhase;
  let open = false;
  return {
    update(p) {
      const line = formatImportProgress(p);
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
