// isomorphic-git's ES module build uses Node's global `Buffer`; in a bundle it
// comes from the `buffer` package (its browser build of the same API).
import { Buffer } from 'buffer';

globalThis.Buffer ??= Buffer;
