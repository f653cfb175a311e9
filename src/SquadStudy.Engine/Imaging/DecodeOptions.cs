namespace SquadStudy.Engine.Imaging;

/// <summary>How transparent pixels become RGB.</summary>
public enum AlphaHandling
{
    /// <summary>Composite over white, as a study page with a white background shows the image.</summary>
    CompositeOverWhite,

    /// <summary>Composite over black.</summary>
    CompositeOverBlack,

    /// <summary>Drop alpha and keep the stored colour, as PIL's <c>Image.convert("RGB")</c> does (the
    /// usual torchvision loader): pick this to feed a model exactly what a PyTorch pipeline fed it.</summary>
    Discard,
}

/// <summary>Options for <see cref="ImageDecoder"/>.</summary>
public sealed record DecodeOptions
{
    /// <summary>The default: 50 megapixels, composite over white, JPEG warnings are errors.</summary>
    public static DecodeOptions Default { get; } = new();

    /// <summary>Largest accepted <c>width·height</c>; checked from the header before any pixel
    /// buffer is allocated, so a small hostile file cannot make the decoder allocate gigabytes.</summary>
    public long MaxPixels { get; init; } = 50_000_000;

    /// <summary>How alpha (PNG alpha channels and tRNS) is removed. Default: over white.</summary>
    public AlphaHandling Alpha { get; init; } = AlphaHandling.CompositeOverWhite;

    /// <summary>
    /// libjpeg reports recoverable damage (a truncated file, corrupt entropy data) as a warning and
    /// fills the rest with grey. By default such files are rejected; set this to accept them.
    /// </summary>
    public bool AllowJpegWarnings { get; init; }

    /// <summary>Apply the EXIF orientation tag of JPEG files (default on), as browsers do.</summary>
    public bool ApplyExifOrientation { get; init; } = true;
}
