// The error every Artifacts method throws (shape of workers-types' ArtifactsError).
// The core decides code, numericCode and message; this class only carries them.
export class ArtifactsError extends Error {
  constructor(code, numericCode, message, pointer, httpStatus = 500) {
    super(message);
    Object.defineProperty(this, 'name', { value: 'ArtifactsError', enumerable: false });
    this.code = code;
    this.numericCode = numericCode;
    // The offending input field as a JSON pointer ("/name"), when known.
    if (pointer) this.pointer = pointer;
    // The HTTP status the core maps this code to (the REST API answers with it).
    this.httpStatus = httpStatus;
  }
}

// Handed to the wasm core, which calls it to build the errors it throws.
export function makeArtifactsError(code, numericCode, message, pointer, httpStatus) {
  return new ArtifactsError(code, numericCode, message, pointer, httpStatus);
}
