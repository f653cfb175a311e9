using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace SquadStudy.Engine.Imaging.Interop;

/// <summary>
/// libspng 0.7 (Debian packages <c>libspng0</c>, <c>libspng-dev</c>; header <c>/usr/include/spng.h</c>).
/// </summary>
internal static partial class Spng
{
    private const string Library = "libspng.so.0";

    // Context flags (enum spng_ctx_flags).
    public const int ContextEncoder = 2;

    // Formats (enum spng_format).
    public const int FormatRgba8 = 1;
    public const int FormatPng = 256;

    // Colour types (enum spng_color_type).
    public const byte ColorTypeGrayscale = 0;
    public const byte ColorTypeTruecolor = 2;
    public const byte ColorTypeTruecolorAlpha = 6;

    // Decode flags (enum spng_decode_flags).
    public const int DecodeTrns = 1;

    // Encode flags (enum spng_encode_flags).
    public const int EncodeFinalize = 2;

    // Options (enum spng_option).
    public const int OptionEncodeToBuffer = 12;

    [StructLayout(LayoutKind.Sequential)]
    public struct Ihdr
    {
        public uint Width;
        public uint Height;
        public byte BitDepth;
        public byte ColorType;
        public byte CompressionMethod;
        public byte FilterMethod;
        public byte InterlaceMethod;
    }

    /// <summary>Returned by getters when the file has no such chunk.</summary>
    public const int ErrorChunkNotAvailable = 73;

    /// <summary>An eXIf chunk's data (a TIFF structure), owned by the context.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Exif
    {
        public nuint Length;
        public nint Data;
    }

    [LibraryImport(Library)]
    public static partial SpngContext spng_ctx_new(int flags);

    [LibraryImport(Library)]
    public static partial void spng_ctx_free(nint ctx);

    [LibraryImport(Library)]
    public static unsafe partial int spng_set_png_buffer(SpngContext ctx, byte* buf, nuint size);

    [LibraryImport(Library)]
    public static partial int spng_set_image_limits(SpngContext ctx, uint width, uint height);

    [LibraryImport(Library)]
    public static partial int spng_set_chunk_limits(SpngContext ctx, nuint chunkSize, nuint cacheSize);

    [LibraryImport(Library)]
    public static partial int spng_get_ihdr(SpngContext ctx, out Ihdr ihdr);

    [LibraryImport(Library)]
    public static partial int spng_set_ihdr(SpngContext ctx, in Ihdr ihdr);

    [LibraryImport(Library)]
    public static partial int spng_decoded_image_size(SpngContext ctx, int fmt, out nuint len);

    [LibraryImport(Library)]
    public static unsafe partial int spng_decode_image(SpngContext ctx, byte* output, nuint len, int fmt, int flags);

    /// <summary>Reads the chunks after the image data up to IEND, verifying their CRCs.</summary>
    [LibraryImport(Library)]
    public static partial int spng_decode_chunks(SpngContext ctx);

    [LibraryImport(Library)]
    public static partial int spng_get_exif(SpngContext ctx, out Exif exif);

    [LibraryImport(Library)]
    public static partial int spng_set_option(SpngContext ctx, int option, int value);

    [LibraryImport(Library)]
    public static unsafe partial int spng_encode_image(SpngContext ctx, byte* img, nuint len, int fmt, int flags);

    /// <summary>The encoder's output buffer; ownership passes to the caller, who must <c>free</c> it.</summary>
    [LibraryImport(Library)]
    public static partial SpngBuffer spng_get_png_buffer(SpngContext ctx, out nuint len, out int error);

    /// <summary>Returns a static string; never freed by the caller.</summary>
    [LibraryImport(Library)]
    public static partial nint spng_strerror(int err);

    public static string ErrorMessage(int err) =>
        Marshal.PtrToStringUTF8(spng_strerror(err)) ?? $"unknown libspng error {err}";
}

/// <summary>An owned libspng context; released with <c>spng_ctx_free</c>.</summary>
internal sealed class SpngContext : SafeHandleZeroOrMinusOneIsInvalid
{
    public SpngContext() : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle()
    {
        Spng.spng_ctx_free(handle);
        return true;
    }
}

/// <summary>
/// A PNG buffer that libspng allocated with the C library's <c>malloc</c> (its default allocator)
/// and handed over; released with <c>free</c>, which <see cref="NativeMemory.Free"/> calls on Unix.
/// </summary>
internal sealed class SpngBuffer : SafeHandleZeroOrMinusOneIsInvalid
{
    public SpngBuffer() : base(ownsHandle: true)
    {
    }

    protected override unsafe bool ReleaseHandle()
    {
        NativeMemory.Free((void*)handle);
        return true;
    }
}
