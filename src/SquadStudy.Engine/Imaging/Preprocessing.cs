namespace SquadStudy.Engine.Imaging;

/// <summary>
/// Turns an image into a model input. The reference is this PyTorch code (see
/// scripts/make_image_fixtures.py), which the tests match to float rounding:
/// <code>
/// x = torch.from_numpy(rgb).permute(2, 0, 1).float()[None]          # uint8 → float, 0–255
/// x = F.interpolate(x, size=(H, W), mode="bilinear", align_corners=False, antialias=False)
/// x = x / 255
/// x = (x - mean[:, None, None]) / std[:, None, None]
/// </code>
/// Note that torchvision's <c>Resize</c> on PIL images uses PIL's antialiased bilinear filter instead,
/// which differs when shrinking; the study pipeline uses the plain interpolation above everywhere.
/// </summary>
public static class Preprocessing
{
    /// <summary>The normalised CHW tensor (<c>3·Height·Width</c> floats) for the model.</summary>
    public static float[] ToTensor(RgbImage image, PreprocessOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var unit = ToUnitTensor(image, options.Width, options.Height);
        Normalize(unit, options, unit);
        return unit;
    }

    /// <summary>
    /// The image resized to <paramref name="width"/>×<paramref name="height"/> and divided by 255: a
    /// CHW tensor in [0, 1], the pixel space in which the faithfulness metrics mask images.
    /// </summary>
    public static float[] ToUnitTensor(RgbImage image, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(image);
        var planes = ToPlanes(image);
        var resized = new float[checked(3 * width * height)];
        Resize.BilinearPlanes(planes, 3, image.Height, image.Width, resized, height, width);
        for (var i = 0; i < resized.Length; i++)
        {
            resized[i] /= 255f;
        }

        return resized;
    }

    /// <summary>
    /// <c>destination[c,y,x] = (unit[c,y,x] − Mean[c]) / Std[c]</c> for a CHW tensor of the options'
    /// size; <paramref name="destination"/> may be the same memory as <paramref name="unit"/>.
    /// </summary>
    public static void Normalize(ReadOnlySpan<float> unit, PreprocessOptions options, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(options);
        var plane = options.Width * options.Height;
        if (unit.Length != 3 * plane || destination.Length != 3 * plane)
        {
            throw new ArgumentException(
                $"Expected CHW tensors of 3×{options.Height}×{options.Width} = {3 * plane} values, got {unit.Length} and {destination.Length}.");
        }

        for (var c = 0; c < 3; c++)
        {
            float mean = options.Mean[c], std = options.Std[c];
            var start = c * plane;
            for (var i = start; i < start + plane; i++)
            {
                destination[i] = (unit[i] - mean) / std;
            }
        }
    }

    /// <summary>The image as a CHW float tensor of 0–255 values (no scaling).</summary>
    public static float[] ToPlanes(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var plane = image.Width * image.Height;
        var planes = new float[3 * plane];
        var pixels = image.Pixels;
        for (var i = 0; i < plane; i++)
        {
            planes[i] = pixels[3 * i];
            planes[plane + i] = pixels[3 * i + 1];
            planes[2 * plane + i] = pixels[3 * i + 2];
        }

        return planes;
    }
}
