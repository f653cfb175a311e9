using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using SquadStudy.Data;

namespace SquadStudy.Cli.Commands;

/// <summary>
/// <c>squadstudy admin add --email E [--password-stdin] [--db CONNECTION]</c>: creates a researcher account.
/// Exit 0 when created; 1 when the e-mail has an account already or the e-mail or password is not acceptable.
/// </summary>
public static class AdminCommand
{
    public static Command Create(CliContext context) => Create(context, Console.In);

    /// <param name="context">Where messages go.</param>
    /// <param name="input">Where <c>--password-stdin</c> reads from.</param>
    public static Command Create(CliContext context, TextReader input)
    {
        var email = new Option<string>("--email") { Description = "The researcher's e-mail address (the login name).", Required = true };
        var passwordStdin = new Option<bool>("--password-stdin")
        {
            Description = "Read the password from the first line of standard input instead of prompting (for scripts).",
        };
        var db = DatabaseOption();

        var add = new Command("add", "Create a researcher account.") { email, passwordStdin, db };
        add.SetAction(async (parseResult, cancellationToken) =>
        {
            var password = parseResult.GetValue(passwordStdin) ? input.ReadLine() : Prompt(context);
            if (string.IsNullOrEmpty(password))
            {
                await context.Error.WriteLineAsync("error: no password given.");
                return ExitCodes.Failure;
            }
            return await CliDatabase.RunAsync(context, parseResult.GetValue(db), async (services, ct) =>
            {
                var accounts = services.GetRequiredService<ResearcherAccounts>();
                var address = parseResult.GetRequiredValue(email).Trim();
                if (!await accounts.AddAsync(address, password, ct))
                {
                    throw new CliException($"a researcher account for '{address}' already exists.");
                }
                await context.Out.WriteLineAsync($"Created researcher account '{address}'.");
                return ExitCodes.Ok;
            }, cancellationToken);
        });

        return new Command("admin", "Manage researcher accounts.") { add };
    }

    /// <summary>The connection string option shared by commands that open the site's database.</summary>
    internal static Option<string?> DatabaseOption() => new("--db")
    {
        Description = "Connection string (default: ConnectionStrings__SquadStudy, else the SQLite file in SquadStudy__DataDirectory).",
    };

    /// <summary>Asks twice without echo, so a typo does not lock the researcher out.</summary>
    private static string? Prompt(CliContext context)
    {
        if (Console.IsInputRedirected)
        {
            context.Error.WriteLine("error: standard input is not a terminal: pass --password-stdin to read the password from it.");
            return null;
        }
        var first = ReadHidden("Password: ");
        var second = ReadHidden("Repeat password: ");
        if (first != second)
        {
            context.Error.WriteLine("error: the passwords differ.");
            return null;
        }
        return first;
    }

    private static string ReadHidden(string prompt)
    {
        Console.Error.Write(prompt);
        var password = new System.Text.StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                Console.Error.WriteLine();
                return password.ToString();
            }
            if (key.Key == ConsoleKey.Backspace)
            {
                if (password.Length > 0)
                {
                    password.Length--;
                }
            }
            else if (!char.IsControl(key.KeyChar))
            {
                password.Append(key.KeyChar);
            }
        }
    }
}
