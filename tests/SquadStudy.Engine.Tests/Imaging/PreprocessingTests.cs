using SquadStudy.Engine.Imaging;

namespace SquadStudy.Engine.Tests.Imaging;

public class PreprocessingTests
{
    public static TheoryData<string> Cases => ImageFixtures.Names("preprocess", "output");

    [Theory]
    [MemberData(nameof(Cases))]
    public void ToTensor_MatchesTorchReference(string output)
    {
        var e = ImageFixtures.Entry("preprocess", "output", output);
        var image = ImageDecoder.Decode(ImageFixtures.Bytes(e.GetProperty("image").GetString()!));
        var options = new PreprocessOptions(
            e.GetProperty("width").GetInt32(),
            e.GetProperty("height").GetInt32(),
            e.GetProperty("mean").EnumerateArray().Select(v => v.GetSingle()).ToArray(),
            e.GetProperty("std").EnumerateArray().Select(v => v.GetSingle()).ToArray());
        var expected = ImageFixtures.Floats(output);

        var tensor = Preprocessing.ToTensor(image, options);

        tensor.Length.ShouldBe(options.TensorLength);
        NumericAssert.Close(tensor, expected, relative: 1e-6, output);
    }

    [Fact]
    public void ToTensor_OnePixelSameSize_IsChannelFirstAndNormalised()
    {
        var image = new RgbImage(2, 1, [255, 0, 51, 0, 255, 102]);
        var options = new PreprocessOptions(2, 1, [0.5f, 0.25f, 0f], [0.5f, 0.25f, 2f]);

        var tensor = Preprocessing.ToTensor(image, options);

        // CHW: R plane (x0, x1), G plane, B plane; (v/255 − mean)/std by hand.
        tensor.ShouldBe([1f, -1f, -1f, 3f, 0.1f, 0.2f], tolerance: 1e-6);
    }

    [Fact]
    public void ImageNetDefaults_AreTorchvisionValues()
    {
        var options = PreprocessOptions.ImageNet;

        options.Width.ShouldBe(224);
        options.Height.ShouldBe(224);
        options.Mean.ShouldBe([0.485f, 0.456f, 0.406f]);
        options.Std.ShouldBe([0.229f, 0.224f, 0.225f]);
    }

    [Fact]
    public void PreprocessOptions_InvalidValues_Throw()
    {
        Should.Throw<ArgumentException>(() => new PreprocessOptions(224, 224, [0.5f], [0.5f]));
        Should.Throw<ArgumentException>(() => new PreprocessOptions(224, 224, null, [0.5f, 0f, 0.5f]));
        Should.Throw<ArgumentOutOfRangeException>(() => new PreprocessOptions(0, 224));
    }

    [Fact]
    public void PreprocessOptions_CopiesArrays()
    {
        float[] mean = [0.1f, 0.2f, 0.3f];
        var options = new PreprocessOptions(4, 4, mean);

        mean[0] = 9f;

        options.Mean[0].ShouldBe(0.1f);
    }
}
