using System;
using System.Threading;
using System.Threading.Tasks;

namespace Jiga
{
    /// <summary>An operation started on the native side whose completion the pump awaits.</summary>
    internal abstract class PendingOp
    {
        internal ulong Id;
        private readonly object _gate = new object();
        private bool _done;
        private CancellationTokenRegistration _registration;
        private bool _hasRegistration;

        internal abstract Task Task { get; }
        protected abstract bool TrySucceed(string json);
        protected abstract bool TryFail(Exception e);
        protected abstract bool TryCancel();

        /// <summary>Keeps the token's registration so completing the op releases it (no leak).</summary>
        internal void Hold(CancellationTokenRegistration r)
        {
            lock (_gate)
            {
                if (!_done)
                {
                    _registration = r;
                    _hasRegistration = true;
                    return;
                }
            }
            r.Dispose();
        }

        private void Release()
        {
            bool has;
            CancellationTokenRegistration r;
            lock (_gate)
            {
                _done = true;
                has = _hasRegistration;
                r = _registration;
                _hasRegistration = false;
            }
            if (has) r.Dispose();
        }

        internal void Succeed(string json)
        {
            Release();
            TrySucceed(json);
        }

        internal void Fail(Exception e)
        {
            Release();
            TryFail(e);
        }

        internal void Cancel()
        {
            Release();
            TryCancel();
        }
    }

    internal sealed class PendingOp<T> : PendingOp
    {
        // Completed inline (no RunContinuationsAsynchronously): an awaiting method without a
        // synchronization context continues on the pumping thread, like the events do; under
        // Unity the UnitySynchronizationContext brings continuations to the main thread anyway.
        private readonly TaskCompletionSource<T> _tcs = new TaskCompletionSource<T>();
        private readonly Func<string, T> _parse;

        internal PendingOp(Func<string, T> parse)
        {
            _parse = parse;
        }

        internal override Task Task
        {
            get { return _tcs.Task; }
        }

        internal Task<T> TypedTask
        {
            get { return _tcs.Task; }
        }

        protected override bool TrySucceed(string json)
        {
            T value;
            try
            {
                value = _parse(json);
            }
            catch (Exception e)
            {
                return _tcs.TrySetException(new JigaException(ErrorKind.Decode,
                    "cannot read the answer as " + typeof(T).Name + ": " + e.Message));
            }
            return _tcs.TrySetResult(value);
        }

        protected override bool TryFail(Exception e)
        {
            return _tcs.TrySetException(e);
        }

        protected override bool TryCancel()
        {
            return _tcs.TrySetCanceled();
        }
    }
}
