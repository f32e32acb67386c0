using System.Collections.Generic;
using Jiga.Native;

namespace Jiga
{
    /// <summary>
    /// The native library's lifecycle: <see cref="Init"/> starts libjiga's runtime (two worker
    /// threads), <see cref="Shutdown"/> ends every task and frees every native handle. Creating a
    /// <see cref="JigaClient"/> initializes the library when needed; in Unity the
    /// <c>JigaDispatcher</c> shuts it down before a domain reload and on quitting, so no native
    /// thread outlives the scripts that started it.
    /// </summary>
    public static unsafe class JigaLibrary
    {
        // Guards init, shutdown and client creation: the ABI forbids jiga_shutdown while another
        // thread is inside a jiga call, and these are the calls that may race with it here.
        private static readonly object Gate = new object();
        private static readonly List<JigaClient> Live = new List<JigaClient>();
        private static bool _initialized;

        /// <summary>Whether the native library is running.</summary>
        public static bool IsInitialized
        {
            get { lock (Gate) return _initialized; }
        }

        /// <summary>libjiga's version.</summary>
        public static string Version
        {
            get { return Utf8.Read(NativeMethods.jiga_version()); }
        }

        /// <summary>Starts the native library; does nothing when it runs already.</summary>
        public static void Init()
        {
            lock (Gate) InitLocked();
        }

        private static void InitLocked()
        {
            if (_initialized) return;
            int s = NativeMethods.jiga_init();
            if (s != Status.Ok) throw JigaException.FromStatus(s, Utf8.LastError());
            _initialized = true;
        }

        /// <summary>
        /// Stops the native library: every client's pending calls fail with
        /// <see cref="ClosedException"/>, its streams end, and every client becomes unusable.
        /// <see cref="Init"/> (or a new client) starts it again. Call it from the thread that
        /// pumps, while no other thread is inside a call of this SDK.
        /// </summary>
        public static void Shutdown()
        {
            JigaClient[] clients;
            lock (Gate)
            {
                if (!_initialized) return;
                clients = Live.ToArray();
                Live.Clear();
                // After this nothing more arrives in any queue, so pending calls can be failed.
                NativeMethods.jiga_shutdown();
                _initialized = false;
            }
            foreach (var c in clients) c.Abandon("the library was shut down");
        }

        /// <summary>Pumps every live client (what <c>JigaDispatcher</c> does each frame).</summary>
        public static int PumpAll()
        {
            JigaClient[] clients;
            lock (Gate) clients = Live.ToArray();
            int n = 0;
            foreach (var c in clients) n += c.Pump();
            return n;
        }

        /// <summary>How many clients are alive (created and neither disposed nor shut down).</summary>
        public static int LiveClients
        {
            get { lock (Gate) return Live.Count; }
        }

        internal static ulong NewClient(byte[] options, JigaClient owner)
        {
            lock (Gate)
            {
                InitLocked();
                ulong handle;
                int s;
                fixed (byte* p = options) s = NativeMethods.jiga_client_new(p, &handle);
                if (s != Status.Ok) throw JigaException.FromStatus(s, Utf8.LastError());
                Live.Add(owner);
                return handle;
            }
        }

        /// <summary>Frees a client's native handle unless a shutdown freed it already.</summary>
        internal static void FreeClient(JigaClient c, ulong handle)
        {
            lock (Gate)
            {
                if (Live.Remove(c) && _initialized) NativeMethods.jiga_client_free(handle);
            }
        }
    }
}
