// The error every Artifacts method throws (shape of workers-types' ArtifactsError).
// The core decides code, numericCode and message; this class only carries them.
export class ArtifactsError extends Error {
  constructor(code, numericCode, message, pointer) {
    super(message);
    Object.defineProperty(this, 'name', { value: 'ArtifactsError', enumerable: false });
    this.code = code;
    this.numericCode = numericCode;
    // The offending input field as a JSON pointer ("/name"), when known.
    if (pointer) this.pointer = pointer;
  }
}

// Handed to the wasm core, which calls it to build the errors it throws.
export function makeArtifactsError(code, numericCode, message, pointer) {
  return new ArtifactsError(code, numericCode, message, pointer);
}
