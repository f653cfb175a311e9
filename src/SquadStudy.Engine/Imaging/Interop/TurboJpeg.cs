using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace SquadStudy.Engine.Imaging.Interop;

/// <summary>
/// The TurboJPEG 2.x API of libjpeg-turbo (Debian package <c>libturbojpeg0</c>, header
/// <c>/usr/include/turbojpeg.h</c>). Debian 12 ships 2.1.5, which has the <c>tj*</c> functions but not
/// the <c>tj3*</c> API of 3.x, so only the former are declared.
/// </summary>
internal static partial class TurboJpeg
{
    private const string Library = "libturbojpeg.so.0";

    // Pixel formats (enum TJPF).
    public const int PixelFormatRgb = 0;
    public const int PixelFormatCmyk = 11;

    // JPEG colourspaces (enum TJCS).
    public const int ColorspaceRgb = 0;
    public const int ColorspaceYCbCr = 1;
    public const int ColorspaceGray = 2;
    public const int ColorspaceCmyk = 3;
    public const int ColorspaceYcck = 4;

    // Flags.
    public const int FlagAccurateDct = 4096;
    public const int FlagStopOnWarning = 8192;

    /// <summary>Refuse progressive JPEGs with more than 500 scans: such files are a known
    /// CPU-exhaustion attack on progressive decoders (libjpeg-turbo 2.1+ honours this flag).</summary>
    public const int FlagLimitScans = 32768;

    // Error codes (enum TJERR).
    public const int ErrorWarning = 0;

    [LibraryImport(Library)]
    public static partial TurboJpegHandle tjInitDecompress();

    [LibraryImport(Library)]
    public static unsafe partial int tjDecompressHeader3(
        TurboJpegHandle handle, byte* jpegBuf, nuint jpegSize,
        out int width, out int height, out int jpegSubsamp, out int jpegColorspace);

    [LibraryImport(Library)]
    public static unsafe partial int tjDecompress2(
        TurboJpegHandle handle, byte* jpegBuf, nuint jpegSize, byte* dstBuf,
        int width, int pitch, int height, int pixelFormat, int flags);

    [LibraryImport(Library)]
    public static partial int tjDestroy(nint handle);

    /// <summary>Returns a pointer into the handle's static error buffer; never freed by the caller.</summary>
    [LibraryImport(Library)]
    public static partial nint tjGetErrorStr2(TurboJpegHandle handle);

    [LibraryImport(Library)]
    public static partial int tjGetErrorCode(TurboJpegHandle handle);

    public static string ErrorMessage(TurboJpegHandle handle) =>
        Marshal.PtrToStringUTF8(tjGetErrorStr2(handle)) ?? "unknown TurboJPEG error";
}

/// <summary>An owned TurboJPEG instance; released with <c>tjDestroy</c>.</summary>
internal sealed class TurboJpegHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public TurboJpegHandle() : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle() => TurboJpeg.tjDestroy(handle) == 0;
}
