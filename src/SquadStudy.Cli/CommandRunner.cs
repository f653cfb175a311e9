using SquadStudy.Engine.Explainers;
using SquadStudy.Engine.Imaging;
using SquadStudy.Engine.Onnx;

namespace SquadStudy.Cli;

/// <summary>Runs a command's body and turns every failure into one line on stderr and an exit code.</summary>
internal static class CommandRunner
{
    public static int Run(CliContext context, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is CliException or ModelLoadException or ExplanationException or ImageDecodeException
            or FileNotFoundException or DirectoryNotFoundException or IOException or UnauthorizedAccessException
            or ArgumentException or System.Text.Json.JsonException or DllNotFoundException)
        {
            context.Error.WriteLine($"error: {CliApp.OneLine(e.Message)}");
            return ExitCodes.Failure;
        }
        catch (Exception e)
        {
            context.Error.WriteLine($"error: internal error ({e.GetType().Name}): {CliApp.OneLine(e.Message)}");
            return ExitCodes.Internal;
        }
    }
}
