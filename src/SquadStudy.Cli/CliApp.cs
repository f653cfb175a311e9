using System.CommandLine;
using SquadStudy.Cli.Commands;

namespace SquadStudy.Cli;

/// <summary>The <c>squadstudy</c> command: its subcommands, parse errors and failures as one line on stderr.</summary>
public static class CliApp
{
    /// <summary>Every subcommand; adding one is adding its factory here.</summary>
    private static readonly Func<CliContext, Command>[] Commands =
    [
        PredictCommand.Create,
        ExplainCommand.Create,
        BenchCommand.Create,
        ImportCommand.Create,
        PrecomputeCommand.Create,
        WorkerCommand.Create,
        AdminCommand.Create,
        ReportCommand.Create,
        MetricsCommand.Create,
        ExportCommand.Create,
    ];

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var context = new CliContext(stdout, stderr);
        var root = new RootCommand("SquadStudy: explanations of image classifiers and human studies of them.");
        foreach (var create in Commands) root.Subcommands.Add(create(context));

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            stderr.WriteLine($"error: {OneLine(string.Join("; ", parse.Errors.Select(e => e.Message)))} (see 'squadstudy --help')");
            return ExitCodes.Usage;
        }
        return parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
    }

    internal static string OneLine(string message) =>
        string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}

/// <summary>Where commands write; tests pass string writers.</summary>
public sealed record CliContext(TextWriter Out, TextWriter Error);

/// <summary>Process exit codes.</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>Bad input: a missing or malformed file, an unsupported model, a class out of range.</summary>
    public const int Failure = 1;

    /// <summary>The command line itself is wrong.</summary>
    public const int Usage = 2;

    /// <summary>A bug: something the code did not expect.</summary>
    public const int Internal = 70;
}

/// <summary>A user error the command reports as is.</summary>
public sealed class CliException(string message) : Exception(message);
