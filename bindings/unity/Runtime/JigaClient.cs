using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Jiga.Native;
using Newtonsoft.Json;

namespace Jiga
{
    /// <summary>
    /// A client of the JIGA Store over libjiga. Every call returns a <see cref="Task"/> at once;
    /// the work runs on the library's own threads, and results, session events and
    /// notifications wait in the client's bounded native queue until <see cref="Pump"/> takes
    /// them — on the thread that pumps, which completes the tasks and raises the events there.
    /// In Unity the <c>JigaDispatcher</c> pumps in <c>Update</c> (the main thread); elsewhere call
    /// <see cref="Pump"/> or <see cref="Wait"/> yourself.
    /// </summary>
    /// <remarks>
    /// Cancelling a call's token completes its task as cancelled at the next pump; its native
    /// completion, when it arrives, is freed and ignored. Retries, idempotency keys, token
    /// refresh, paging and stream resume are the Rust core's; this class converts types.
    /// </remarks>
    public sealed unsafe partial class JigaClient : IDisposable
    {
        private readonly object _lock = new object();
        private readonly Dictionary<ulong, PendingOp> _ops = new Dictionary<ulong, PendingOp>();
        private readonly List<PendingOp> _cancelled = new List<PendingOp>();
        private readonly Dictionary<ulong, SessionStream> _sessions = new Dictionary<ulong, SessionStream>();
        private readonly Dictionary<ulong, NotificationStream> _notifications = new Dictionary<ulong, NotificationStream>();
        private readonly ulong _handle;
        private volatile bool _closed;
        private string _closedWhy;

        internal delegate int Starter(ulong* outOp);

        /// <summary>A client of the store at <paramref name="baseUrl"/>.</summary>
        public JigaClient(string baseUrl) : this(new JigaClientOptions { BaseUrl = baseUrl })
        {
        }

        /// <summary>A client with <paramref name="options"/>; starts the native library when needed.</summary>
        /// <exception cref="InvalidArgumentException">The options were refused (bad URL, out of range).</exception>
        public JigaClient(JigaClientOptions options)
        {
            if (options == null) throw new ArgumentNullException("options");
            _handle = JigaLibrary.NewClient(Utf8.Z(options.ToJson()), this);
#if UNITY_5_3_OR_NEWER
            if (options.AutoPump) JigaDispatcher.EnsureRunning();
#endif
        }

        /// <summary>Whether the client holds tokens (signed in, or started from saved ones).</summary>
        public bool IsSignedIn
        {
            get
            {
                int v;
                Check(NativeMethods.jiga_client_is_signed_in(_handle, &v));
                return v != 0;
            }
        }

        /// <summary>How many calls wait for their completion (0 when idle: nothing leaked).</summary>
        public int PendingCalls
        {
            get { lock (_lock) return _ops.Count + _cancelled.Count; }
        }

        /// <summary>Whether the client was disposed or the library shut down.</summary>
        public bool IsClosed
        {
            get { lock (_lock) return _closed; }
        }

        // ---- pumping ----

        /// <summary>
        /// Takes what the native queue holds (at most <paramref name="max"/> items) and, on this
        /// thread, completes the tasks and raises the stream events. Returns how many items it
        /// handled. An exception thrown by an event handler propagates; what was taken before it is
        /// handled, and nothing is lost or leaked.
        /// </summary>
        public int Pump(int max = int.MaxValue)
        {
            int n = CompleteCancelled();
            JigaCompletion c;
            while (n < max && !_closed)
            {
                int s = NativeMethods.jiga_poll(_handle, &c);
                if (s != Status.Ok) break; // empty, or the client/library is gone
                n++;
                Dispatch(&c);
            }
            return n;
        }

        /// <summary>
        /// Blocks this thread until something waits to be pumped, at most
        /// <paramref name="timeoutMs"/> milliseconds (negative: no limit). Returns whether
        /// something is ready. For hosts without a frame loop (tests, tools, servers).
        /// </summary>
        public bool Wait(int timeoutMs)
        {
            lock (_lock)
            {
                if (_cancelled.Count > 0) return true;
                if (_closed) return false;
            }
            return NativeMethods.jiga_wait(_handle, timeoutMs) == Status.Ok;
        }

        /// <summary>Pumps until <paramref name="task"/> completes (or <paramref name="timeoutMs"/> passes) and returns its result.</summary>
        /// <exception cref="TimeoutException">The task did not complete in time.</exception>
        public T RunUntilComplete<T>(Task<T> task, int timeoutMs = 30000)
        {
            RunUntilComplete((Task)task, timeoutMs);
            return task.Result;
        }

        /// <summary>Pumps until <paramref name="task"/> completes; rethrows its own exception (not an AggregateException).</summary>
        public void RunUntilComplete(Task task, int timeoutMs = 30000)
        {
            var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
            while (!task.IsCompleted)
            {
                var left = (int)(deadline - DateTime.UtcNow).TotalMilliseconds;
                if (left <= 0) throw new TimeoutException("the call did not complete in " + timeoutMs + " ms");
                Wait(Math.Min(left, 100));
                Pump();
            }
            task.GetAwaiter().GetResult();
        }

        private int CompleteCancelled()
        {
            PendingOp[] done;
            lock (_lock)
            {
                if (_cancelled.Count == 0) return 0;
                done = _cancelled.ToArray();
                _cancelled.Clear();
            }
            foreach (var op in done) op.Cancel();
            return done.Length;
        }

        private void Dispatch(JigaCompletion* c)
        {
            switch (c->kind)
            {
                case JigaCompletionKind.Op:
                {
                    PendingOp op;
                    lock (_lock)
                    {
                        if (_ops.TryGetValue(c->op_id, out op)) _ops.Remove(c->op_id);
                    }
                    if (op == null)
                    {
                        // Cancelled (or from before a dispose): freed and ignored.
                        NativeMethods.jiga_completion_free(c);
                        return;
                    }
                    if (c->status == Status.Ok)
                    {
                        string json = Utf8.Read(c->json);
                        NativeMethods.jiga_completion_free(c);
                        op.Succeed(json);
                    }
                    else
                    {
                        var e = JigaException.FromRecord(&c->error);
                        NativeMethods.jiga_completion_free(c);
                        op.Fail(e);
                    }
                    return;
                }
                case JigaCompletionKind.SessionEvent:
                {
                    SessionStream stream;
                    lock (_lock) _sessions.TryGetValue(c->handle, out stream);
                    var ev = stream == null ? null : new SessionEvent(&c->@event, Utf8.ReadBytes(c->json));
                    NativeMethods.jiga_completion_free(c);
                    if (stream != null) stream.Raise(ev);
                    return;
                }
                case JigaCompletionKind.Notification:
                {
                    NotificationStream stream;
                    lock (_lock) _notifications.TryGetValue(c->handle, out stream);
                    string json = stream == null ? null : Utf8.Read(c->json);
                    NativeMethods.jiga_completion_free(c);
                    if (stream != null) stream.Raise(json);
                    return;
                }
                case JigaCompletionKind.StreamEnd:
                {
                    SessionStream session;
                    NotificationStream notes;
                    lock (_lock)
                    {
                        if (_sessions.TryGetValue(c->handle, out session)) _sessions.Remove(c->handle);
                        if (_notifications.TryGetValue(c->handle, out notes)) _notifications.Remove(c->handle);
                    }
                    var e = c->status == Status.Ok ? null : JigaException.FromRecord(&c->error);
                    string json = c->status == Status.Ok ? Utf8.Read(c->json) : null;
                    NativeMethods.jiga_completion_free(c);
                    if (session != null)
                    {
                        if (json != null) session.Reconciliation = Parse<Reconciliation>(json);
                        session.End(e);
                    }
                    if (notes != null) notes.End(e);
                    return;
                }
                case JigaCompletionKind.Guard:
                {
                    SessionStream stream;
                    lock (_lock) _sessions.TryGetValue(c->handle, out stream);
                    var g = Parse<GuardEvent>(Utf8.Read(c->json));
                    // endAtCap: the core ended the session before handing the event over; a
                    // failed end is in the record's error.
                    if (c->status != Status.Ok) g.EndError = JigaException.FromRecord(&c->error);
                    NativeMethods.jiga_completion_free(c);
                    if (stream != null) stream.RaiseGuard(g);
                    return;
                }
                default:
                    NativeMethods.jiga_completion_free(c);
                    return;
            }
        }

        // ---- starting operations ----

        internal Task<T> Start<T>(CancellationToken ct, Func<string, T> parse, Starter start)
        {
            if (ct.IsCancellationRequested) return Canceled<T>();
            var op = new PendingOp<T>(parse);
            lock (_lock)
            {
                if (_closed) return Faulted<T>(new ClosedException(_closedWhy));
                ulong id;
                int s = start(&id);
                if (s != Status.Ok) return Faulted<T>(JigaException.FromStatus(s, Utf8.LastError()));
                op.Id = id;
                _ops[id] = op;
            }
            if (ct.CanBeCanceled) op.Hold(ct.Register(() => CancelOp(op)));
            return op.TypedTask;
        }

        private void CancelOp(PendingOp op)
        {
            lock (_lock)
            {
                // Already completed by the pump, or the client is closed: nothing to do.
                if (_closed || !_ops.Remove(op.Id)) return;
                _cancelled.Add(op);
            }
            // Stops the native operation. JIGA_EMPTY: it had finished, so its completion is
            // queued or about to be; the pump finds no op for it and frees it.
            NativeMethods.jiga_cancel(_handle, op.Id);
        }

        private static Task<T> Canceled<T>()
        {
            var t = new TaskCompletionSource<T>();
            t.SetCanceled();
            return t.Task;
        }

        private static Task<T> Faulted<T>(Exception e)
        {
            var t = new TaskCompletionSource<T>();
            t.SetException(e);
            return t.Task;
        }

        internal static T Parse<T>(string json)
        {
            return JsonConvert.DeserializeObject<T>(json);
        }

        private static bool Ignore(string json)
        {
            return true;
        }

        internal void Check(int status)
        {
            if (status != Status.Ok) throw JigaException.FromStatus(status, Utf8.LastError());
        }

        internal ulong Handle
        {
            get { return _handle; }
        }

        internal Task<bool> Command(ulong stream, string commandId, string dataJson, CancellationToken ct)
        {
            var id = Utf8.Z(commandId);
            var data = Utf8.Z(dataJson);
            return Start(ct, Ignore, op =>
            {
                fixed (byte* pi = id)
                fixed (byte* pd = data)
                    return NativeMethods.jiga_session_command(stream, pi, pd, op);
            });
        }

        internal Task<T> NextPage<T>(ulong pager, CancellationToken ct)
        {
            return Start(ct, Parse<T>, op => NativeMethods.jiga_paginator_next(pager, op));
        }

        internal static byte[] Json(object o)
        {
            return Utf8.Z(JsonConvert.SerializeObject(o));
        }

        // ---- lifetime ----

        /// <summary>
        /// Frees the native client with its streams and paginators. Pending calls fail with
        /// <see cref="ClosedException"/> on this thread.
        /// </summary>
        public void Dispose()
        {
            if (!Close("the client was disposed")) return;
            JigaLibrary.FreeClient(this, _handle);
        }

        /// <summary>After a shutdown: the native side is gone already.</summary>
        internal void Abandon(string why)
        {
            Close(why);
        }

        private bool Close(string why)
        {
            PendingOp[] pending;
            PendingOp[] cancelled;
            SessionStream[] sessions;
            NotificationStream[] notes;
            lock (_lock)
            {
                if (_closed) return false;
                _closed = true;
                _closedWhy = why;
                pending = new List<PendingOp>(_ops.Values).ToArray();
                cancelled = _cancelled.ToArray();
                _ops.Clear();
                _cancelled.Clear();
                sessions = new List<SessionStream>(_sessions.Values).ToArray();
                notes = new List<NotificationStream>(_notifications.Values).ToArray();
                _sessions.Clear();
                _notifications.Clear();
            }
            ForgetWakeup();
            foreach (var op in pending) op.Fail(new ClosedException(why));
            foreach (var op in cancelled) op.Cancel();
            foreach (var s in sessions) s.End(new ClosedException(why));
            foreach (var n in notes) n.End(new ClosedException(why));
            return true;
        }
    }
}
