// Time and randomness for the core (core/host.h), from the platform by default.
export const platformHost = {
  now: () => Date.now(),
  randomBytes: (n) => globalThis.crypto.getRandomValues(new Uint8Array(n)),
};
