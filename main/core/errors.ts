import type { ApiError } from '../../preload/api';

/** A failure the API reports as `{ ok: false, error }`, worded for the user. */
export class ApiFailure extends Error {
  override readonly name = 'ApiFailure';
  constructor(
    readonly code: string,
    message: string,
    readonly reference?: string,
  ) {
    super(message);
  }

  toApiError(): ApiError {
    return { code: this.code, message: this.message, ...(this.reference ? { reference: this.reference } : {}) };
  }
}
