using System.Text.Json;
using System.Text.Json.Nodes;
using SquadStudy.Cli;
using SquadStudy.Testing;
using SquadStudy.Testing.Results;

namespace SquadStudy.Cli.Tests.Report;

/// <summary><c>squadstudy report --json</c> prints what the site's results.json serves, from the same database.</summary>
[Collection(DataDirectoryVariable.Name)]
public sealed class ReportMatchesSiteTests(PaperTablesSite site) : IClassFixture<PaperTablesSite>
{
    /// <summary>Runs the real <c>squadstudy</c> entry point (parse errors, exit codes, one-line messages included).</summary>
    private static Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        // CliApp.Run blocks on the command; a worker thread keeps the test's own context free.
        return Task.Run(() => (CliApp.Run(args, output, error), output.ToString(), error.ToString()));
    }

    /// <summary>The document without its time stamp, which says when it was made, not what it says.</summary>
    private static JsonNode WithoutTimestamp(string json)
    {
        var node = JsonNode.Parse(json)!;
        node.AsObject().Remove("generated_utc").ShouldBeTrue("the document has a generated_utc field");
        return node;
    }

    /// <summary>The JSON path of the first place two documents differ, for a readable failure.</summary>
    private static string FirstDifference(JsonNode? a, JsonNode? b, string path)
    {
        switch (a, b)
        {
            case (JsonObject x, JsonObject y):
                foreach (var name in x.Select(p => p.Key).Union(y.Select(p => p.Key)))
                {
                    if (!JsonNode.DeepEquals(x[name], y[name]))
                    {
                        return FirstDifference(x[name], y[name], $"{path}.{name}");
                    }
                }
                return path;
            case (JsonArray x, JsonArray y) when x.Count == y.Count:
                for (var i = 0; i < x.Count; i++)
                {
                    if (!JsonNode.DeepEquals(x[i], y[i]))
                    {
                        return FirstDifference(x[i], y[i], $"{path}[{i}]");
                    }
                }
                return path;
            default:
                return $"{path}: {a?.ToJsonString() ?? "null"} vs {b?.ToJsonString() ?? "null"}";
        }
    }

    private async Task<string> SiteJsonAsync()
    {
        using var client = site.ResearcherClient();
        return await client.GetStringAsync($"/research/studies/{site.Paper.Study.Slug}/results.json");
    }

    [Fact]
    public async Task Report_OnTheSitesSqliteFile_PrintsTheSameJsonAsResultsJson()
    {
        var served = WithoutTimestamp(await SiteJsonAsync());

        // A bare path (the connection-string form is covered by ReportCommandTests); each run costs a full
        // analysis with 10 000 permutations per comparison, so one is enough.
        var (exit, output, error) = await RunAsync("report", "--db", site.DatabaseFile, "--study", site.Paper.Study.Slug, "--json");

        exit.ShouldBe(0, error);
        error.ShouldBeEmpty();
        var printed = WithoutTimestamp(output);
        JsonNode.DeepEquals(printed, served).ShouldBeTrue($"the CLI's document differs from results.json at {FirstDifference(printed, served, "$")}");
        // Not a tautology of two empty documents: the table's cells are in both.
        served["accuracy"]!.AsArray().Count.ShouldBe(3 + 6, "3 pooled rows and 6 model × method cells");
        served["image_accuracy"]!.AsArray()
            .ShouldContain(r => r!["image_id"]!.GetValue<string>().EndsWith(":" + TestStudyBuilder.DefaultClassNames[0], StringComparison.Ordinal),
                "class names come from the pack's labels.txt in the data directory, for the site and the CLI alike");
    }

    [Fact]
    public async Task Report_UnknownStudy_OneLineErrorAndExitCode1()
    {
        var (exit, output, error) = await RunAsync("report", "--db", site.DatabaseFile, "--study", "no-such-study", "--json");

        exit.ShouldBe(ExitCodes.Failure);
        output.ShouldBeEmpty();
        error.Trim().ShouldBe("error: there is no study 'no-such-study' in this database.");
    }

    [Fact]
    public async Task Report_MissingSqliteFile_SaysSoAndCreatesNothing()
    {
        var missing = Path.Combine(site.DataDirectory, "typo", "squadstudy.db");

        var (exit, output, error) = await RunAsync("report", "--db", missing, "--study", site.Paper.Study.Slug, "--json");

        exit.ShouldBe(ExitCodes.Failure);
        output.ShouldBeEmpty();
        error.Trim().ShouldBe($"error: there is no SQLite database at '{missing}'.");
        File.Exists(missing).ShouldBeFalse();
        Directory.Exists(Path.GetDirectoryName(missing)).ShouldBeFalse();
    }

    [Fact]
    public async Task Report_UnreachablePostgres_OneLineErrorAndExitCode1()
    {
        // Port 1 on the loopback interface refuses at once: no server, no waiting for a timeout.
        var (exit, output, error) = await RunAsync("report", "--db", "Host=127.0.0.1;Port=1;Database=none;Username=none;Password=none;Timeout=3",
            "--study", site.Paper.Study.Slug, "--json");

        exit.ShouldBe(ExitCodes.Failure);
        output.ShouldBeEmpty();
        var line = error.TrimEnd().Split('\n').ShouldHaveSingleItem(error);
        line.ShouldStartWith("error: ");
        line.ShouldContain("127.0.0.1");
    }
}
