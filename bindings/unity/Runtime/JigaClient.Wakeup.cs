// The ABI's optional wake-up callback. The default path (a pump every frame) needs none; a host
// that sleeps between pumps (a tool, a server, a low-power menu) can be woken instead of
// polling. The one native-to-managed call of the package: a static method marked for IL2CPP,
// its delegate kept in a static field, the client found by its handle (no GCHandle).
using System;
using System.Collections.Generic;
using Jiga.Native;

namespace Jiga
{
    public sealed unsafe partial class JigaClient
    {
        private static readonly Dictionary<ulong, JigaClient> Wakeable = new Dictionary<ulong, JigaClient>();
        private static readonly NativeMethods.jiga_set_wakeup_wake_delegate WakeCallback = OnWake;
        private volatile Action _wakeup;

        /// <summary>
        /// Calls <paramref name="onReady"/> each time the client's queue goes from empty to not
        /// empty (null clears it). It runs on a library thread: it must return quickly, must not
        /// touch Unity objects, and should only signal the thread that pumps (set an event).
        /// Exceptions it throws are swallowed.
        /// </summary>
        public void SetWakeup(Action onReady)
        {
            lock (Wakeable)
            {
                if (onReady == null) Wakeable.Remove(_handle);
                else Wakeable[_handle] = this;
            }
            _wakeup = onReady;
            Check(NativeMethods.jiga_set_wakeup(_handle, onReady == null ? null : WakeCallback));
        }

        [AOT.MonoPInvokeCallback(typeof(NativeMethods.jiga_set_wakeup_wake_delegate))]
        private static void OnWake(ulong client)
        {
            JigaClient c;
            lock (Wakeable) Wakeable.TryGetValue(client, out c);
            var a = c == null ? null : c._wakeup;
            if (a == null) return;
            try
            {
                a();
            }
            catch (Exception)
            {
                // Nothing may unwind into native code.
            }
        }

        private void ForgetWakeup()
        {
            _wakeup = null;
            lock (Wakeable) Wakeable.Remove(_handle);
        }
    }
}
