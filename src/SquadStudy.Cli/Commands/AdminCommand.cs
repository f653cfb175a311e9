using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using SquadStudy.Data;

namespace SquadStudy.Cli.Commands;

/// <summary>
/// <c>squadstudy admin add|reset-password --email E [--password-stdin] [--db CONNECTION]</c> and
/// <c>squadstudy admin sign-out|remove --email E [--db CONNECTION]</c>: create an account, set a new
/// password (which signs it out everywhere), sign it out everywhere, delete it. Exit 0 when done; 1
/// when the account exists already (add) or not (the others), or the e-mail or password is not acceptable.
/// </summary>
public static class AdminCommand
{
    public static Command Create(CliContext context) => Create(context, Console.In);

    /// <param name="context">Where messages go.</param>
    /// <param name="input">Where <c>--password-stdin</c> reads from.</param>
    public static Command Create(CliContext context, TextReader input)
    {
        var admin = new Command("admin", "Manage researcher accounts.");

        var (email, passwordStdin, db) = (EmailOption(), PasswordStdinOption(), DatabaseOption());
        var add = new Command("add", "Create a researcher account.") { email, passwordStdin, db };
        add.SetAction((parseResult, cancellationToken) => WithPasswordAsync(context, input, parseResult, passwordStdin, password =>
            CliDatabase.RunAsync(context, parseResult.GetValue(db), async (services, ct) =>
            {
                var address = parseResult.GetRequiredValue(email).Trim();
                if (!await services.GetRequiredService<ResearcherAccounts>().AddAsync(address, password, ct))
                {
                    throw new CliException($"a researcher account for '{address}' already exists.");
                }
                await context.Out.WriteLineAsync($"Created researcher account '{address}'.");
                return ExitCodes.Ok;
            }, cancellationToken)));
        admin.Add(add);

        var (resetEmail, resetStdin, resetDb) = (EmailOption(), PasswordStdinOption(), DatabaseOption());
        var reset = new Command("reset-password", "Set a new password: lifts a lockout and signs the account out everywhere.") { resetEmail, resetStdin, resetDb };
        reset.SetAction((parseResult, cancellationToken) => WithPasswordAsync(context, input, parseResult, resetStdin, password =>
            OnAccountAsync(context, parseResult, resetEmail, resetDb, (accounts, address, ct) => accounts.ResetPasswordAsync(address, password, ct),
                address => $"New password set for '{address}'; every session of the account has ended.", cancellationToken)));
        admin.Add(reset);

        var (signOutEmail, signOutDb) = (EmailOption(), DatabaseOption());
        var signOut = new Command("sign-out", "Sign the account out everywhere (every browser, every instance within 30 s).") { signOutEmail, signOutDb };
        signOut.SetAction((parseResult, cancellationToken) =>
            OnAccountAsync(context, parseResult, signOutEmail, signOutDb, (accounts, address, ct) => accounts.SignOutEverywhereAsync(address, ct),
                address => $"Every session of '{address}' has ended.", cancellationToken));
        admin.Add(signOut);

        var (removeEmail, removeDb) = (EmailOption(), DatabaseOption());
        var remove = new Command("remove", "Delete a researcher account; its sessions end with it.") { removeEmail, removeDb };
        remove.SetAction((parseResult, cancellationToken) =>
            OnAccountAsync(context, parseResult, removeEmail, removeDb, (accounts, address, ct) => accounts.RemoveAsync(address, ct),
                address => $"Removed researcher account '{address}'.", cancellationToken));
        admin.Add(remove);

        return admin;
    }

    private static Option<string> EmailOption() => new("--email") { Description = "The researcher's e-mail address (the login name).", Required = true };

    private static Option<bool> PasswordStdinOption() => new("--password-stdin")
    {
        Description = "Read the password from the first line of standard input instead of prompting (for scripts).",
    };

    private static async Task<int> WithPasswordAsync(CliContext context, TextReader input, ParseResult parseResult, Option<bool> passwordStdin, Func<string, Task<int>> work)
    {
        var password = parseResult.GetValue(passwordStdin) ? input.ReadLine() : Prompt(context);
        if (string.IsNullOrEmpty(password))
        {
            await context.Error.WriteLineAsync("error: no password given.");
            return ExitCodes.Failure;
        }
        return await work(password);
    }

    /// <summary>Runs <paramref name="change"/> on the named account; exit 1 with a clear message when there is none.</summary>
    private static Task<int> OnAccountAsync(CliContext context, ParseResult parseResult, Option<string> email, Option<string?> db,
        Func<ResearcherAccounts, string, CancellationToken, Task<bool>> change, Func<string, string> done, CancellationToken cancellationToken) =>
        CliDatabase.RunAsync(context, parseResult.GetValue(db), async (services, ct) =>
        {
            var address = parseResult.GetRequiredValue(email).Trim();
            if (!await change(services.GetRequiredService<ResearcherAccounts>(), address, ct))
            {
                throw new CliException($"there is no researcher account for '{address}'.");
            }
            await context.Out.WriteLineAsync(done(address));
            return ExitCodes.Ok;
        }, cancellationToken);

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
