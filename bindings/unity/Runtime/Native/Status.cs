// The ABI's negative status codes. csbindgen emits only literal constants (JIGA_OK,
// JIGA_EMPTY in NativeMethods.g.cs); these mirror ffi/include/jiga.h, and the tests check each
// one against what the library returns for the misuse that produces it.
namespace Jiga.Native
{
    internal static class Status
    {
        internal const int Ok = NativeMethods.JIGA_OK;
        internal const int Empty = NativeMethods.JIGA_EMPTY;
        internal const int ErrNull = -1;
        internal const int ErrInvalidHandle = -2;
        internal const int ErrInvalidUtf8 = -3;
        internal const int ErrInvalidJson = -4;
        internal const int ErrInvalidArgument = -5;
        internal const int ErrNotInitialized = -6;
        internal const int ErrPanic = -7;
        internal const int ErrClosed = -8;
        internal const int ErrCall = -9;
        internal const int ErrWebhookMalformedHeader = -10;
        internal const int ErrWebhookBadSignature = -11;
        internal const int ErrWebhookTimestamp = -12;
        internal const int ErrWebhookNotANotification = -13;
    }
}
