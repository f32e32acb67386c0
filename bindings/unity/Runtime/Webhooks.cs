// Webhooks.Verify: the core's check of a webhook delivery (jiga_webhook_verify), synchronous and
// usable without a client or the library's runtime, for a game server that receives the store's
// webhooks. It converts arguments and the answer; the rule is the core's.
using System;
using Jiga.Native;

namespace Jiga
{
    /// <summary>Receiving the store's webhooks.</summary>
    public static unsafe class Webhooks
    {
        /// <summary>
        /// Checks one delivery and returns its notification. <paramref name="secret"/> is what
        /// <see cref="JigaClient.SetWebhookAsync"/> answered, <paramref name="signature"/> the
        /// <c>JIGA-Signature</c> header, <paramref name="body"/> the raw request body as received.
        /// <paramref name="now"/> defaults to this machine's clock, <paramref name="tolerance"/>
        /// (how far the signature's time may be from it) to the library's five minutes.
        /// Deliveries come at least once: deduplicate by <see cref="Notification.Id"/>.
        /// </summary>
        /// <exception cref="WebhookException">The delivery is not to be trusted; see its Reason.</exception>
        /// <exception cref="InvalidArgumentException">A null argument.</exception>
        public static Notification Verify(string secret, string signature, byte[] body,
            DateTimeOffset? now = null, TimeSpan? tolerance = null)
        {
            if (body == null) throw new ArgumentNullException("body");
            long nowUnix = (now ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds();
            long toleranceSecs = tolerance.HasValue ? (long)Math.Max(0, tolerance.Value.TotalSeconds) : -1;
            byte[] s = Utf8.Z(secret), sig = Utf8.Z(signature);
            byte* json = null;
            int status;
            fixed (byte* ps = s)
            fixed (byte* pg = sig)
            fixed (byte* pb = body)
                status = NativeMethods.jiga_webhook_verify(ps, pg, pb, (UIntPtr)body.Length, nowUnix, toleranceSecs, &json);
            if (status != Status.Ok)
            {
                string message = Utf8.LastError();
                throw (JigaException)WebhookException.FromVerifyStatus(status, message) ?? JigaException.FromStatus(status, message);
            }
            try
            {
                return JigaClient.Parse<Notification>(Utf8.Read(json));
            }
            finally
            {
                NativeMethods.jiga_string_free(json);
            }
        }
    }
}
