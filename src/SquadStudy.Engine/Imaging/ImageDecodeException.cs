namespace SquadStudy.Engine.Imaging;

/// <summary>
/// An image could not be decoded: unknown format, corrupt or truncated data, or dimensions over
/// <see cref="DecodeOptions.MaxPixels"/>. The message names the format and the codec's own error.
/// </summary>
public sealed class ImageDecodeException : Exception
{
    public ImageDecodeException(string message)
        : base(message)
    {
    }

    public ImageDecodeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
