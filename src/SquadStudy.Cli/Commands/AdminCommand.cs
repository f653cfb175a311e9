using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using SquadStudy.Data;

namespace SquadStudy.Cli.Commands;

/// <summary><c>squadstudy admin add --email E [--password-stdin] [--db CONNECTION]</c>: creates a researcher account.</summary>
public static class AdminCommand
{
    /// <param name="input">Where <c>--password-stdin</c> reads from; the process's standard input by default.</param>
    public static Command Create(TextReader? input = null)
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
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            var password = parseResult.GetValue(passwordStdin)
                ? (input ?? Console.In).ReadLine()
                : Prompt();
            if (string.IsNullOrEmpty(password))
            {
                await error.WriteLineAsync("No password given.");
                return 2;
            }
            try
            {
                await using var services = await CliDatabase.OpenAsync(parseResult.GetValue(db), cancellationToken);
                await using var scope = services.CreateAsyncScope();
                var accounts = scope.ServiceProvider.GetRequiredService<ResearcherAccounts>();
                var address = parseResult.GetRequiredValue(email);
                if (!await accounts.AddAsync(address, password, cancellationToken))
                {
                    await error.WriteLineAsync($"A researcher account for '{address.Trim()}' already exists.");
                    return 1;
                }
                await output.WriteLineAsync($"Created researcher account '{address.Trim()}'.");
                return 0;
            }
            catch (ArgumentException exception)
            {
                await error.WriteLineAsync(exception.Message);
                return 2;
            }
        });

        return new Command("admin", "Manage researcher accounts.") { add };
    }

    /// <summary>The connection string option shared by commands that open the site's database.</summary>
    internal static Option<string?> DatabaseOption() => new("--db")
    {
        Description = "Connection string (default: ConnectionStrings__SquadStudy, else the SQLite file in SquadStudy__DataDirectory).",
    };

    /// <summary>Asks twice without echo, so a typo does not lock the researcher out.</summary>
    private static string? Prompt()
    {
        if (Console.IsInputRedirected)
        {
            Console.Error.WriteLine("Standard input is not a terminal: pass --password-stdin to read the password from it.");
            return null;
        }
        var first = ReadHidden("Password: ");
        var second = ReadHidden("Repeat password: ");
        if (first != second)
        {
            Console.Error.WriteLine("The passwords differ.");
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
