using System;
using Jiga.Native;

namespace Jiga
{
    /// <summary>What went wrong, the core's flat error kind (one to one with the ABI's).</summary>
    public enum ErrorKind
    {
        /// <summary>Input refused by the server (400) or by the client before sending; see Field.</summary>
        InvalidArgument = 1,
        /// <summary>401: sign in again.</summary>
        Unauthenticated = 2,
        /// <summary>402: top up or spend less.</summary>
        InsufficientFunds = 3,
        /// <summary>403.</summary>
        Forbidden = 4,
        /// <summary>404.</summary>
        NotFound = 5,
        /// <summary>409 conflict.</summary>
        Conflict = 6,
        /// <summary>409 idempotency_conflict.</summary>
        IdempotencyConflict = 7,
        /// <summary>429 after the core's retry policy gave up.</summary>
        RateLimited = 8,
        /// <summary>413.</summary>
        PayloadTooLarge = 9,
        /// <summary>Any other server answer.</summary>
        Server = 10,
        /// <summary>The request could not be sent or its answer not read.</summary>
        Transport = 11,
        /// <summary>A call or connection timed out.</summary>
        Timeout = 12,
        /// <summary>An answer or frame that is not the contract's.</summary>
        Decode = 13,
        /// <summary>A session stream broke its contract (a gap in seq).</summary>
        SessionMismatch = 14,
        /// <summary>The client's DOF count does not match the settlement.</summary>
        Reconciliation = 15,
        /// <summary>The client, stream or library was closed first.</summary>
        Closed = 16,
        /// <summary>A kind this version does not know.</summary>
        Other = 99,
        /// <summary>Not a kind of the ABI's error records: a webhook delivery that did not verify
        /// (<see cref="WebhookException"/>, from <see cref="Webhooks.Verify"/>).</summary>
        Webhook = 100,
    }

    /// <summary>
    /// A failed call: the base of every error the SDK raises. Catch a subclass to act on one kind
    /// (<see cref="InsufficientFundsException"/>, <see cref="RateLimitedException"/>…).
    /// </summary>
    [UnityEngine.Scripting.Preserve]
    public class JigaException : Exception
    {
        public JigaException(ErrorKind kind, string message, string code = null, int httpStatus = 0,
            string requestId = null, string field = null)
            : base(message)
        {
            Kind = kind;
            Code = code;
            HttpStatus = httpStatus;
            RequestId = requestId;
            Field = field;
        }

        /// <summary>The flat kind.</summary>
        public ErrorKind Kind { get; private set; }
        /// <summary>The server's error code (<c>insufficient_funds</c>…), or null.</summary>
        public string Code { get; private set; }
        /// <summary>The HTTP status, 0 when there was no answer.</summary>
        public int HttpStatus { get; private set; }
        /// <summary>The server's request id (quote it in a bug report), or null.</summary>
        public string RequestId { get; private set; }
        /// <summary>The offending field of an invalid argument, or null.</summary>
        public string Field { get; private set; }
        /// <summary>The ABI's status when a call was refused before it started (0 otherwise).</summary>
        public int NativeStatus { get; internal set; }

        /// <summary>The exception for a failed operation's error record.</summary>
        internal static unsafe JigaException FromRecord(JigaError* e)
        {
            var kind = (ErrorKind)(int)e->kind;
            string message = Utf8.Read(e->message) ?? "the call failed";
            string code = Utf8.Read(e->code);
            string requestId = Utf8.Read(e->request_id);
            string field = Utf8.Read(e->field);
            int status = e->http_status;
            switch (kind)
            {
                case ErrorKind.InvalidArgument:
                    return new InvalidArgumentException(message, code, status, requestId, field);
                case ErrorKind.Unauthenticated:
                    return new UnauthenticatedException(message, code, status, requestId);
                case ErrorKind.InsufficientFunds:
                    return new InsufficientFundsException(message, code, status, requestId, e->needed, e->available);
                case ErrorKind.Forbidden:
                    return new ForbiddenException(message, code, status, requestId);
                case ErrorKind.NotFound:
                    return new NotFoundException(message, code, status, requestId);
                case ErrorKind.Conflict:
                    return new ConflictException(message, code, status, requestId);
                case ErrorKind.IdempotencyConflict:
                    return new IdempotencyConflictException(message, code, status, requestId);
                case ErrorKind.RateLimited:
                    return new RateLimitedException(message, code, status, requestId,
                        e->retry_after_secs < 0 ? (TimeSpan?)null : TimeSpan.FromSeconds(e->retry_after_secs));
                case ErrorKind.PayloadTooLarge:
                    return new PayloadTooLargeException(message, code, status, requestId, e->limit < 0 ? (long?)null : e->limit);
                case ErrorKind.Transport:
                case ErrorKind.Timeout:
                    return new TransportException(kind, message, code, status, requestId);
                case ErrorKind.Closed:
                    return new ClosedException(message);
                case ErrorKind.Reconciliation:
                    return new ReconciliationException(message);
                default:
                    if (!Enum.IsDefined(typeof(ErrorKind), kind)) kind = ErrorKind.Other;
                    return new JigaException(kind, message, code, status, requestId, field);
            }
        }

        /// <summary>The exception for a call the library refused before starting it.</summary>
        internal static JigaException FromStatus(int status, string message)
        {
            JigaException e;
            switch (status)
            {
                case Status.ErrNull:
                case Status.ErrInvalidUtf8:
                case Status.ErrInvalidJson:
                case Status.ErrInvalidArgument:
                    e = new InvalidArgumentException(message, null, 0, null, null);
                    break;
                case Status.ErrInvalidHandle:
                case Status.ErrNotInitialized:
                case Status.ErrClosed:
                    e = new ClosedException(message);
                    break;
                default:
                    e = new JigaException(ErrorKind.Other, message);
                    break;
            }
            e.NativeStatus = status;
            return e;
        }
    }

    /// <summary>Input refused, by the server or by the client before sending; <see cref="JigaException.Field"/> names it.</summary>
    [UnityEngine.Scripting.Preserve]
    public class InvalidArgumentException : JigaException
    {
        public InvalidArgumentException(string message, string code, int httpStatus, string requestId, string field)
            : base(ErrorKind.InvalidArgument, message, code, httpStatus, requestId, field) { }
    }

    /// <summary>Not signed in, or the session's tokens can no longer be refreshed: sign in again.</summary>
    [UnityEngine.Scripting.Preserve]
    public class UnauthenticatedException : JigaException
    {
        public UnauthenticatedException(string message, string code, int httpStatus, string requestId)
            : base(ErrorKind.Unauthenticated, message, code, httpStatus, requestId) { }
    }

    /// <summary>The wallet cannot cover the call: top up or spend less.</summary>
    [UnityEngine.Scripting.Preserve]
    public class InsufficientFundsException : JigaException
    {
        public InsufficientFundsException(string message, string code, int httpStatus, string requestId, long needed, long available)
            : base(ErrorKind.InsufficientFunds, message, code, httpStatus, requestId)
        {
            Needed = needed;
            Available = available;
        }

        /// <summary>The DOF the call needed (-1 when the server did not say).</summary>
        public long Needed { get; private set; }
        /// <summary>The DOF available in the wallet (-1 when the server did not say).</summary>
        public long Available { get; private set; }
    }

    /// <summary>The caller may not do this (403).</summary>
    [UnityEngine.Scripting.Preserve]
    public class ForbiddenException : JigaException
    {
        public ForbiddenException(string message, string code, int httpStatus, string requestId)
            : base(ErrorKind.Forbidden, message, code, httpStatus, requestId) { }
    }

    /// <summary>No such thing (404).</summary>
    [UnityEngine.Scripting.Preserve]
    public class NotFoundException : JigaException
    {
        public NotFoundException(string message, string code, int httpStatus, string requestId)
            : base(ErrorKind.NotFound, message, code, httpStatus, requestId) { }
    }

    /// <summary>The state changed under the call (409 conflict): a session already ended, a changed price.</summary>
    [UnityEngine.Scripting.Preserve]
    public class ConflictException : JigaException
    {
        public ConflictException(string message, string code, int httpStatus, string requestId)
            : base(ErrorKind.Conflict, message, code, httpStatus, requestId) { }
    }

    /// <summary>An idempotency key was reused with another request (409 idempotency_conflict).</summary>
    [UnityEngine.Scripting.Preserve]
    public class IdempotencyConflictException : JigaException
    {
        public IdempotencyConflictException(string message, string code, int httpStatus, string requestId)
            : base(ErrorKind.IdempotencyConflict, message, code, httpStatus, requestId) { }
    }

    /// <summary>Too many requests, after the core's own retries gave up.</summary>
    [UnityEngine.Scripting.Preserve]
    public class RateLimitedException : JigaException
    {
        public RateLimitedException(string message, string code, int httpStatus, string requestId, TimeSpan? retryAfter)
            : base(ErrorKind.RateLimited, message, code, httpStatus, requestId)
        {
            RetryAfter = retryAfter;
        }

        /// <summary>How long the server asked to wait, when it said.</summary>
        public TimeSpan? RetryAfter { get; private set; }
    }

    /// <summary>A request or message above the server's limit (413).</summary>
    [UnityEngine.Scripting.Preserve]
    public class PayloadTooLargeException : JigaException
    {
        public PayloadTooLargeException(string message, string code, int httpStatus, string requestId, long? limit)
            : base(ErrorKind.PayloadTooLarge, message, code, httpStatus, requestId)
        {
            Limit = limit;
        }

        /// <summary>The limit in bytes, when the server said.</summary>
        public long? Limit { get; private set; }
    }

    /// <summary>The server could not be reached or did not answer in time (Kind Transport or Timeout).</summary>
    [UnityEngine.Scripting.Preserve]
    public class TransportException : JigaException
    {
        public TransportException(ErrorKind kind, string message, string code, int httpStatus, string requestId)
            : base(kind, message, code, httpStatus, requestId) { }
    }

    /// <summary>The stream's count of DOF does not match the settlement (the core's reconciliation).</summary>
    [UnityEngine.Scripting.Preserve]
    public class ReconciliationException : JigaException
    {
        public ReconciliationException(string message) : base(ErrorKind.Reconciliation, message) { }
    }

    /// <summary>The client, stream or library was closed (or shut down) before the call finished.</summary>
    [UnityEngine.Scripting.Preserve]
    public class ClosedException : JigaException
    {
        public ClosedException(string message) : base(ErrorKind.Closed, message) { }
    }

    /// <summary>Why <see cref="Webhooks.Verify"/> refused a delivery.</summary>
    public enum WebhookFailure
    {
        /// <summary>The JIGA-Signature header is not <c>t=&lt;unix&gt;,v1=&lt;64 hex&gt;[,v1=…]</c>.</summary>
        MalformedHeader = 1,
        /// <summary>No v1 entry matches the body under the secret: a changed body, or another secret.</summary>
        BadSignature = 2,
        /// <summary>Correctly signed, but at a time farther from the receiver's clock than the tolerance.</summary>
        TimestampOutOfTolerance = 3,
        /// <summary>Correctly signed and in time, but the body is not a notification.</summary>
        NotANotification = 4,
    }

    /// <summary>A webhook delivery that did not verify; <see cref="Reason"/> says why.</summary>
    [UnityEngine.Scripting.Preserve]
    public class WebhookException : JigaException
    {
        public WebhookException(WebhookFailure reason, string message)
            : base(ErrorKind.Webhook, message)
        {
            Reason = reason;
        }

        /// <summary>Why the delivery was refused.</summary>
        public WebhookFailure Reason { get; private set; }

        /// <summary>The exception for a <c>JIGA_ERR_WEBHOOK_*</c> status, else null.</summary>
        internal static WebhookException FromVerifyStatus(int status, string message)
        {
            WebhookFailure reason;
            switch (status)
            {
                case Status.ErrWebhookMalformedHeader: reason = WebhookFailure.MalformedHeader; break;
                case Status.ErrWebhookBadSignature: reason = WebhookFailure.BadSignature; break;
                case Status.ErrWebhookTimestamp: reason = WebhookFailure.TimestampOutOfTolerance; break;
                case Status.ErrWebhookNotANotification: reason = WebhookFailure.NotANotification; break;
                default: return null;
            }
            return new WebhookException(reason, message) { NativeStatus = status };
        }
    }
}
