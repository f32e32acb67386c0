using System;
using System.Threading;
using System.Threading.Tasks;
using Jiga.Native;
using Newtonsoft.Json;

namespace Jiga
{
    /// <summary>
    /// A session's event stream. Events are raised by <see cref="JigaClient.Pump"/> on the
    /// pumping thread, in seq order, each once; <see cref="Ended"/> follows the last one.
    /// </summary>
    public sealed class SessionStream : IDisposable
    {
        private readonly JigaClient _client;
        private readonly ulong _handle;
        private bool _closeSent;

        internal SessionStream(JigaClient client, ulong handle, string sessionId)
        {
            _client = client;
            _handle = handle;
            SessionId = sessionId;
        }

        /// <summary>The session this stream follows.</summary>
        public string SessionId { get; private set; }

        /// <summary>Raised for each event, on the pumping thread.</summary>
        public event Action<SessionEvent> EventReceived;

        /// <summary>Raised once when the stream ends: null after <c>session.ended</c> or a close, else why it failed.</summary>
        public event Action<JigaException> Ended;

        /// <summary>Whether <see cref="Ended"/> was raised.</summary>
        public bool IsEnded { get; private set; }

        /// <summary>Why the stream ended, when it failed.</summary>
        public JigaException Error { get; private set; }

        /// <summary>Raised on the pumping thread when the budget guard warns or reaches its cap.</summary>
        public event Action<GuardEvent> GuardFired;

        /// <summary>
        /// Set before <see cref="Ended"/> when the stream saw the session from seq 1: the core's
        /// count reconciled with the settlement (a mismatch ends the stream with
        /// <see cref="ReconciliationException"/> instead).
        /// </summary>
        public Reconciliation Reconciliation { get; internal set; }

        /// <summary>The core's DOF meter as of the last event queued (which may be ahead of the last one pumped).</summary>
        public unsafe DofMeter Meter
        {
            get
            {
                JigaMeter m;
                _client.Check(NativeMethods.jiga_session_meter(_handle, &m));
                return new DofMeter
                {
                    Consumed = m.consumed, Remaining = m.remaining, Budget = m.budget,
                    Charges = m.charges, LastSeq = m.last_seq, RatePerMinute = m.rate_per_minute,
                };
            }
        }

        /// <summary>The connection state now, and the reconnect attempt while reconnecting.</summary>
        public unsafe StreamState GetState(out uint attempt)
        {
            JigaStreamState st;
            uint a;
            _client.Check(NativeMethods.jiga_session_state(_handle, &st, &a));
            attempt = a;
            return (StreamState)(int)st;
        }

        /// <summary>
        /// Sends a command to the session's agent: <paramref name="data"/> is serialized to JSON
        /// (a JToken as it is). The task completes on the command's <c>session.command_ack</c>.
        /// </summary>
        public Task SendCommandAsync(string commandId, object data, CancellationToken ct = default(CancellationToken))
        {
            return SendCommandJsonAsync(commandId, JsonConvert.SerializeObject(data), ct);
        }

        /// <summary>As <see cref="SendCommandAsync"/>, with the data as JSON text.</summary>
        public Task SendCommandJsonAsync(string commandId, string dataJson, CancellationToken ct = default(CancellationToken))
        {
            return _client.Command(_handle, commandId, dataJson, ct);
        }

        /// <summary>
        /// Closes the stream: pending commands fail with <see cref="ClosedException"/>, and
        /// <see cref="Ended"/> follows what was already queued, at a later pump.
        /// </summary>
        public void Close()
        {
            if (_closeSent || IsEnded) return;
            _closeSent = true;
            // INVALID_HANDLE here means the client or the library is gone already: nothing to close.
            NativeMethods.jiga_session_close(_handle);
        }

        public void Dispose()
        {
            Close();
        }

        internal void Raise(SessionEvent e)
        {
            var h = EventReceived;
            if (h != null) h(e);
        }

        internal void RaiseGuard(GuardEvent g)
        {
            var h = GuardFired;
            if (h != null) h(g);
        }

        internal void End(JigaException e)
        {
            if (IsEnded) return;
            IsEnded = true;
            Error = e;
            var h = Ended;
            if (h != null) h(e);
        }
    }

    /// <summary>The signed-in user's notifications, raised by <see cref="JigaClient.Pump"/> on the pumping thread.</summary>
    public sealed class NotificationStream : IDisposable
    {
        private readonly ulong _handle;
        private bool _closeSent;

        internal NotificationStream(JigaClient client, ulong handle)
        {
            _handle = handle;
        }

        /// <summary>Raised for each notification, on the pumping thread.</summary>
        public event Action<Notification> NotificationReceived;

        /// <summary>Raised once when the stream ends (null when closed, else why it failed).</summary>
        public event Action<JigaException> Ended;

        public bool IsEnded { get; private set; }

        /// <summary>Closes the stream.</summary>
        public void Close()
        {
            if (_closeSent || IsEnded) return;
            _closeSent = true;
            NativeMethods.jiga_notifications_close(_handle);
        }

        public void Dispose()
        {
            Close();
        }

        internal void Raise(string json)
        {
            var h = NotificationReceived;
            if (h != null) h(JsonConvert.DeserializeObject<Notification>(json));
        }

        internal void End(JigaException e)
        {
            if (IsEnded) return;
            IsEnded = true;
            var h = Ended;
            if (h != null) h(e);
        }
    }

    /// <summary>
    /// Pages of a list route, fetched one at a time by the core's paginator: loop on
    /// <see cref="NextPageAsync"/> until it returns null.
    /// </summary>
    public sealed class Paginator<T> : IDisposable where T : class
    {
        private readonly JigaClient _client;
        private readonly ulong _handle;
        private bool _freed;

        internal Paginator(JigaClient client, ulong handle)
        {
            _client = client;
            _handle = handle;
        }

        /// <summary>The next page, or null after the last one.</summary>
        public Task<T> NextPageAsync(CancellationToken ct = default(CancellationToken))
        {
            return _client.NextPage<T>(_handle, ct);
        }

        /// <summary>Frees the native paginator (a page being fetched still arrives).</summary>
        public void Dispose()
        {
            if (_freed) return;
            _freed = true;
            NativeMethods.jiga_paginator_free(_handle);
        }
    }
}
