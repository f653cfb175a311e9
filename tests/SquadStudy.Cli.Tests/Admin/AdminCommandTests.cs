using System.CommandLine;
using Microsoft.AspNetCore.Identity;
using Microsoft.Data.Sqlite;
using SquadStudy.Cli;
using SquadStudy.Cli.Commands;
using SquadStudy.Data.Entities;

namespace SquadStudy.Cli.Tests.Admin;

public sealed class AdminCommandTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "squadstudy-admin-tests", Guid.NewGuid().ToString("N"));

    private string Database => $"Data Source={Path.Combine(directory, "site.db")}";

    public AdminCommandTests() => Directory.CreateDirectory(directory);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(directory, recursive: true);
    }

    private async Task<(int Exit, string Output, string Error)> RunAsync(string stdin, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var root = new RootCommand { AdminCommand.Create(new CliContext(output, error), new StringReader(stdin)) };
        var exit = await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    private List<(string Email, string Hash)> Accounts()
    {
        using var connection = new SqliteConnection(Database);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT email, password_hash FROM researchers ORDER BY id";
        using var reader = command.ExecuteReader();
        var rows = new List<(string, string)>();
        while (reader.Read())
        {
            rows.Add((reader.GetString(0), reader.GetString(1)));
        }
        return rows;
    }

    [Fact]
    public async Task AdminAdd_PasswordFromStdin_CreatesAVerifiableAccountInAFreshDatabase()
    {
        var (exit, output, error) = await RunAsync("a long enough password\n", "admin", "add", "--email", "ana@example.org", "--password-stdin", "--db", Database);

        exit.ShouldBe(0, error);
        output.ShouldContain("Created researcher account 'ana@example.org'");
        var (email, hash) = Accounts().ShouldHaveSingleItem();
        email.ShouldBe("ana@example.org");
        var researcher = new Researcher { Email = email, NormalizedEmail = email.ToUpperInvariant(), PasswordHash = hash };
        new PasswordHasher<Researcher>().VerifyHashedPassword(researcher, hash, "a long enough password").ShouldBe(PasswordVerificationResult.Success);
    }

    [Fact]
    public async Task AdminAdd_ShortPassword_IsRefused()
    {
        var (exit, _, error) = await RunAsync("short\n", "admin", "add", "--email", "ana@example.org", "--password-stdin", "--db", Database);

        exit.ShouldBe(ExitCodes.Failure);
        error.ShouldContain("at least 12 characters");
        Accounts().ShouldBeEmpty();
    }

    [Fact]
    public async Task AdminAdd_DuplicateEmail_IsRefusedWhateverTheCase()
    {
        (await RunAsync("a long enough password\n", "admin", "add", "--email", "ana@example.org", "--password-stdin", "--db", Database)).Exit.ShouldBe(0);

        var (exit, _, error) = await RunAsync("another long password\n", "admin", "add", "--email", "ANA@example.org", "--password-stdin", "--db", Database);

        exit.ShouldBe(ExitCodes.Failure);
        error.ShouldContain("already exists");
        Accounts().Count.ShouldBe(1);
    }

    [Fact]
    public async Task AdminAdd_NotAnEmail_IsRefused()
    {
        var (exit, _, error) = await RunAsync("a long enough password\n", "admin", "add", "--email", "ana", "--password-stdin", "--db", Database);
        exit.ShouldBe(ExitCodes.Failure);
        error.ShouldContain("is not an e-mail address");
    }

    [Fact]
    public async Task AdminAdd_EmptyStdin_IsRefused()
    {
        var (exit, _, error) = await RunAsync("", "admin", "add", "--email", "ana@example.org", "--password-stdin", "--db", Database);
        exit.ShouldBe(ExitCodes.Failure);
        error.ShouldContain("no password given");
    }

    [Fact]
    public async Task AdminAdd_WithoutEmail_IsAUsageError()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = CliApp.Run(["admin", "add", "--password-stdin", "--db", Database], output, error);
        exit.ShouldBe(ExitCodes.Usage);
        error.ToString().ShouldContain("--email");
    }

    private string Stamp(string email)
    {
        using var connection = new SqliteConnection(Database);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT security_stamp FROM researchers WHERE email = $email";
        command.Parameters.AddWithValue("$email", email);
        return (string)command.ExecuteScalar()!;
    }

    [Fact]
    public async Task AdminResetPassword_NewHash_NewStamp_OldPasswordFails()
    {
        (await RunAsync("a long enough password\n", "admin", "add", "--email", "ana@example.org", "--password-stdin", "--db", Database)).Exit.ShouldBe(0);
        var stampBefore = Stamp("ana@example.org");
        stampBefore.Length.ShouldBe(32);

        var (exit, output, error) = await RunAsync("a different long password\n", "admin", "reset-password", "--email", "ANA@example.org", "--password-stdin", "--db", Database);

        exit.ShouldBe(0, error);
        output.ShouldContain("every session of the account has ended");
        Stamp("ana@example.org").ShouldNotBe(stampBefore);
        var (email, hash) = Accounts().ShouldHaveSingleItem();
        var researcher = new Researcher { Email = email, NormalizedEmail = email.ToUpperInvariant(), PasswordHash = hash };
        new PasswordHasher<Researcher>().VerifyHashedPassword(researcher, hash, "a different long password").ShouldBe(PasswordVerificationResult.Success);
        new PasswordHasher<Researcher>().VerifyHashedPassword(researcher, hash, "a long enough password").ShouldBe(PasswordVerificationResult.Failed);
    }

    [Fact]
    public async Task AdminSignOut_RotatesTheStamp_AdminRemove_DeletesTheAccount()
    {
        (await RunAsync("a long enough password\n", "admin", "add", "--email", "ana@example.org", "--password-stdin", "--db", Database)).Exit.ShouldBe(0);
        var stampBefore = Stamp("ana@example.org");

        (await RunAsync("", "admin", "sign-out", "--email", "ana@example.org", "--db", Database)).Exit.ShouldBe(0);
        Stamp("ana@example.org").ShouldNotBe(stampBefore);

        var (exit, output, _) = await RunAsync("", "admin", "remove", "--email", "ana@example.org", "--db", Database);
        exit.ShouldBe(0);
        output.ShouldContain("Removed researcher account 'ana@example.org'");
        Accounts().ShouldBeEmpty();
    }

    [Theory]
    [InlineData("sign-out")]
    [InlineData("remove")]
    public async Task AdminOnUnknownAccount_FailsClearly(string command)
    {
        (await RunAsync("a long enough password\n", "admin", "add", "--email", "ana@example.org", "--password-stdin", "--db", Database)).Exit.ShouldBe(0);

        var (exit, _, error) = await RunAsync("", "admin", command, "--email", "bob@example.org", "--db", Database);

        exit.ShouldBe(ExitCodes.Failure);
        error.ShouldContain("no researcher account for 'bob@example.org'");
        Accounts().Count.ShouldBe(1);
    }
}
