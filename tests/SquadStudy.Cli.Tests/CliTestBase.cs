using SquadStudy.Engine.Imaging;

namespace SquadStudy.Cli.Tests;

/// <summary>Runs the CLI in-process with captured output, in a fresh temporary folder.</summary>
public abstract class CliTestBase : IDisposable
{
    protected CliTestBase()
    {
        Temp = Directory.CreateTempSubdirectory("squadstudy-cli-").FullName;
    }

    protected string Temp { get; }

    protected static string Fixture(params string[] parts)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "fixtures", "engine");
            if (Directory.Exists(candidate)) return Path.Combine([candidate, .. parts]);
        }
        throw new DirectoryNotFoundException("tests/fixtures/engine not found");
    }

    protected static string ResnetModel => Fixture("resnetlike_op17", "model.onnx");

    protected sealed record Result(int ExitCode, string Out, string Error)
    {
        public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    protected static Result Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CliApp.Run(args, stdout, stderr);
        return new Result(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>A PNG of random pixels (fixed seed) at <paramref name="name"/> in the temporary folder.</summary>
    protected string Image(string name, int width = 60, int height = 50, int seed = 1)
    {
        var pixels = new byte[width * height * 3];
        new Random(seed).NextBytes(pixels);
        string path = Path.Combine(Temp, name);
        File.WriteAllBytes(path, PngEncoder.Encode(new RgbImage(width, height, pixels)));
        return path;
    }

    /// <summary>Undo what a test class changed outside its temporary folder.</summary>
    protected virtual void DisposeCore()
    {
    }

    public void Dispose()
    {
        DisposeCore();
        Directory.Delete(Temp, recursive: true);
        GC.SuppressFinalize(this);
    }
}
