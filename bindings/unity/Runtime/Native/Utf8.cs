using System;
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
            return Encoding.UTF8.GetString(p, Length(p));
        }

        /// <summary>A copy of the bytes of the NUL-terminated string at <paramref name="p"/> (the hot
        /// path: session events keep their frame as bytes and decode it only when read).</summary>
        internal static byte[] ReadBytes(byte* p)
        {
            if (p == null) return null;
            int n = Length(p);
            var bytes = new byte[n];
            fixed (byte* d = bytes) Buffer.MemoryCopy(p, d, n, n);
            return bytes;
        }

        /// <summary>strlen, a word at a time once aligned (an aligned read never crosses a page).</summary>
        internal static int Length(byte* p)
        {
            byte* q = p;
            while (((long)q & 7) != 0)
            {
                if (*q == 0) return (int)(q - p);
                q++;
            }
            const ulong Lows = 0x0101010101010101UL, Highs = 0x8080808080808080UL;
            while (true)
            {
                ulong w = *(ulong*)q;
                if (((w - Lows) & ~w & Highs) != 0) break;
                q += 8;
            }
            while (*q != 0) q++;
            return (int)(q - p);
        }

        /// <summary>The library's message for the last failed call on this thread.</summary>
        internal static string LastError()
        {
            return Read(NativeMethods.jiga_last_error_message()) ?? "(no message)";
        }
    }
}
