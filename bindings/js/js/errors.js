// The SDK's errors: one JigaError subclass per kind of the core's flat error view, each with
// the server's code, HTTP status, request id and the `details` fields.

/** Every error of the SDK. */
export class JigaError extends Error {
  constructor(record) {
    super(record.message);
    this.name = new.target.name;
    /** The kind, e.g. `insufficient_funds` (the core's `ErrorKind`). */
    this.kind = record.jigaKind;
    /** The contract's error code, for errors the server answered. */
    this.code = record.code ?? null;
    /** The HTTP status, for errors the server answered. */
    this.status = record.status ?? null;
    /** The server's request id, for errors the server answered. */
    this.requestId = record.requestId ?? null;
    /** `details.field`: the input that was refused. */
    this.field = record.field ?? null;
    /** `details.needed`: DOF the call needed. */
    this.needed = record.needed ?? null;
    /** `details.available`: DOF the wallet had. */
    this.available = record.available ?? null;
    /** `Retry-After`, in milliseconds. */
    this.retryAfterMs = record.retryAfterMs ?? null;
    /** `details.limit`: the size limit that was passed. */
    this.limit = record.limit ?? null;
  }
}
/** Input refused (400, or before sending); see `field`. */
export class InvalidArgumentError extends JigaError {}
/** 401: sign in again. */
export class UnauthenticatedError extends JigaError {}
/** 402: see `needed` and `available`. */
export class InsufficientFundsError extends JigaError {}
/** 403. */
export class ForbiddenError extends JigaError {}
/** 404. */
export class NotFoundError extends JigaError {}
/** 409 `conflict`. */
export class ConflictError extends JigaError {}
/** 409 `idempotency_conflict`. */
export class IdempotencyConflictError extends JigaError {}
/** 429 after the retries; see `retryAfterMs`. */
export class RateLimitedError extends JigaError {}
/** 413; see `limit`. */
export class PayloadTooLargeError extends JigaError {}
/** Any other answer of the server. */
export class ServerError extends JigaError {}
/** The request could not be sent or its answer not read. */
export class TransportError extends JigaError {}
/** A call or connection timed out. */
export class TimeoutError extends JigaError {}
/** An answer or frame that is not the contract's. */
export class DecodeError extends JigaError {}
/** A session stream broke its contract. */
export class SessionMismatchError extends JigaError {}
/** The DOF counted does not match the settlement. */
export class ReconciliationError extends JigaError {}
/** The stream or client was closed first. */
export class ClosedError extends JigaError {}

/**
 * A webhook delivery that did not verify (`verifyWebhook`); `reason` says why:
 * `malformed_header`, `bad_signature`, `timestamp_out_of_tolerance`, `not_a_notification`.
 */
export class WebhookError extends JigaError {
  constructor(record) {
    super(record);
    /** Why the delivery was refused (the core's `WebhookError::reason`). */
    this.reason = record.reason;
  }
}

const KINDS = {
  invalid_argument: InvalidArgumentError,
  unauthenticated: UnauthenticatedError,
  insufficient_funds: InsufficientFundsError,
  forbidden: ForbiddenError,
  not_found: NotFoundError,
  conflict: ConflictError,
  idempotency_conflict: IdempotencyConflictError,
  rate_limited: RateLimitedError,
  payload_too_large: PayloadTooLargeError,
  server: ServerError,
  transport: TransportError,
  timeout: TimeoutError,
  decode: DecodeError,
  session_mismatch: SessionMismatchError,
  reconciliation: ReconciliationError,
  closed: ClosedError,
  webhook: WebhookError,
};

/** The error of a record from the wasm module; anything else (an abort reason) as it is. */
export function toError(e) {
  if (e && typeof e === 'object' && typeof e.jigaKind === 'string') {
    const Class = KINDS[e.jigaKind] ?? JigaError;
    return new Class(e);
  }
  return e;
}
