namespace SquadStudy.Cli.Tests;

/// <summary>Every failure: one line on stderr starting "error:", no stack trace, a non-zero exit code.</summary>
public class ErrorTests : CliTestBase
{
    private void ShouldFailWithOneLine(Result result, string expected, int exitCode = 1)
    {
        result.ExitCode.ShouldBe(exitCode);
        result.ErrorLines.Length.ShouldBe(1, result.Error);
        result.Error.ShouldStartWith("error: ");
        result.Error.ShouldContain(expected);
        result.Error.ShouldNotContain(" at SquadStudy");
    }

    private string Out => Path.Combine(Temp, "out");

    [Fact]
    public void MissingModel() =>
        ShouldFailWithOneLine(Run("predict", "--model", Path.Combine(Temp, "none.onnx"), "--image", Image("a.png")), "model file not found");

    [Fact]
    public void MissingImage() =>
        ShouldFailWithOneLine(Run("predict", "--model", ResnetModel, "--image", Path.Combine(Temp, "none.png")), "image file not found");

    [Fact]
    public void CorruptImage()
    {
        string path = Path.Combine(Temp, "bad.png");
        File.WriteAllBytes(path, [0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10, 1, 2, 3]);
        ShouldFailWithOneLine(Run("explain", "--model", ResnetModel, "--image", path, "--method", "gradcam", "--target", "1", "--out", Out), "bad.png");
    }

    [Fact]
    public void MalformedOnnx() =>
        ShouldFailWithOneLine(Run("predict", "--model", Fixture("malformed", "truncated.onnx"), "--image", Image("a.png")), "not a valid ONNX file");

    [Fact]
    public void UnsupportedOperator() =>
        ShouldFailWithOneLine(Run("predict", "--model", Fixture("malformed", "unsupported_op_lstm.onnx"), "--image", Image("a.png")), "operator 'LSTM' is not supported");

    [Fact]
    public void ClassOutOfRange() =>
        ShouldFailWithOneLine(Run("explain", "--model", ResnetModel, "--image", Image("a.png"), "--method", "gradcam", "--target", "10", "--out", Out),
            "class 10 is out of range");

    [Fact]
    public void TargetCountMismatch() =>
        ShouldFailWithOneLine(Run("explain", "--model", ResnetModel, "--image", Image("a.png"), "--image", Image("b.png"), "--image", Image("c.png"),
            "--method", "gradcam", "--target", "1,2", "--out", Out), "2 values for 3 images");

    [Fact]
    public void UnknownLayer() =>
        ShouldFailWithOneLine(Run("explain", "--model", ResnetModel, "--image", Image("a.png"), "--method", "gradcam", "--target", "1",
            "--layer", "nope", "--out", Out), "target layer 'nope'");

    [Fact]
    public void UnknownMethod() =>
        ShouldFailWithOneLine(Run("explain", "--model", ResnetModel, "--image", Image("a.png"), "--method", "gradcam,magic", "--target", "1", "--out", Out),
            "unknown method 'magic'");

    [Theory]
    [InlineData("gradcam,occlusion(stride=0)", "error: method 'occlusion(stride=0)': 'stride=0': the value is out of range; stride of occlusion is a whole number from 1 to 1024")]
    [InlineData("rise(masks=20", "error: method 'rise(masks=20': missing ')' after '(masks=20'")]
    [InlineData("smoothgrad(n=3,spread=0.2)", "error: method 'smoothgrad(n=3,spread=0.2)': unknown parameter 'spread' in 'spread=0.2'; smoothgrad takes n (")]
    public void BadMethodParameter_NamesThePart_AndWritesNothing(string methods, string expected)
    {
        ShouldFailWithOneLine(Run("explain", "--model", ResnetModel, "--image", Image("a.png"), "--method", methods, "--target", "1", "--out", Out),
            expected);
        Directory.Exists(Out).ShouldBeFalse();
    }

    [Fact]
    public void CamOnAHeadWithoutGap() =>
        ShouldFailWithOneLine(Run("explain", "--model", Fixture("vgglike_op13", "model.onnx"), "--image", Image("a.png"), "--method", "cam", "--target", "1", "--out", Out),
            "CAM needs");

    [Fact]
    public void MissingRequiredOption() =>
        ShouldFailWithOneLine(Run("explain", "--model", ResnetModel, "--image", Image("a.png"), "--method", "gradcam"), "--target", exitCode: 2);

    [Fact]
    public void UnknownCommand() =>
        ShouldFailWithOneLine(Run("frobnicate"), "frobnicate", exitCode: 2);
}
