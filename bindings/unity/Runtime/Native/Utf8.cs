using System.Text;

namespace Jiga.Native
{
    /// <summary>UTF-8 strings across the ABI: NUL-terminated bytes in, NUL-terminated bytes out.</summary>
    internal static unsafe class Utf8
    {
        /// <summary>The NUL-terminated UTF-8 bytes of <paramref name="s"/>; null for null.</summary>
        internal static byte[] Z(string s)
        {
            if (s == null) return null;
            var bytes = new byte[Encoding.UTF8.GetByteCount(s) + 1];
            Encoding.UTF8.GetBytes(s, 0, s.Length, bytes, 0);
            return bytes;
        }

        /// <summary>A copy of the NUL-terminated UTF-8 string at <paramref name="p"/>; null for NULL.</summary>
        internal static string Read(byte* p)
        {
            if (p == null) return null;
            int n = 0;
            while (p[n] != 0) n++;
            return Encoding.UTF8.GetString(p, n);
        }

        /// <summary>The library's message for the last failed call on this thread.</summary>
        internal static string LastError()
        {
            return Read(NativeMethods.jiga_last_error_message()) ?? "(no message)";
        }
    }
}
