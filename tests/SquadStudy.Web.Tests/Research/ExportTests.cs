using System.Globalization;
using System.Net;
using CsvHelper;
using SquadStudy.Web.Research;

namespace SquadStudy.Web.Tests.Research;

public sealed class ExportTests(ExportTests.Site site) : IClassFixture<ExportTests.Site>
{
    public sealed class Site : IAsyncLifetime
    {
        public ResearchSiteFactory Factory { get; } = new();

        public HttpClient Client { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            var seeded = await ResearchSeed.StudyAsync(Factory, "demo");
            await ResearchSeed.ParticipantsAsync(Factory, seeded);
            Client = await Factory.SignedInClientAsync();
        }

        public Task DisposeAsync()
        {
            Factory.Dispose();
            return Task.CompletedTask;
        }
    }

    /// <summary>Downloads a CSV and reads it back with CsvHelper, as a researcher's script would.</summary>
    private async Task<(string Raw, string[] Header, List<Dictionary<string, string>> Rows, HttpResponseMessage Response)> CsvAsync(string url)
    {
        var response = await site.Client.GetAsync(url);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var raw = await response.Content.ReadAsStringAsync();
        using var reader = new CsvReader(new StringReader(raw), CultureInfo.InvariantCulture);
        await reader.ReadAsync();
        reader.ReadHeader();
        var header = reader.HeaderRecord!;
        var rows = new List<Dictionary<string, string>>();
        while (await reader.ReadAsync())
        {
            rows.Add(header.ToDictionary(h => h, h => reader.GetField(h)!));
        }
        return (raw, header, rows, response);
    }

    [Fact]
    public async Task Answers_OneRowPerAnswerWithTheDesignVariables()
    {
        var (_, header, rows, response) = await CsvAsync("/research/studies/demo/export/answers.csv");

        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/csv");
        response.Content.Headers.ContentDisposition!.DispositionType.ShouldBe("attachment");
        response.Content.Headers.ContentDisposition.FileName.ShouldBe("demo-answers.csv");
        header.ShouldBe(CsvExports.AnswerColumns.Select(c => c.Name).ToArray());
        rows.Count.ShouldBe(5);

        var discrimination = rows.Single(r => r["experiment"] == "discrimination" && r["swapped"] == "true");
        discrimination["image"].ShouldBe("scene_0001");
        discrimination["model_a"].ShouldBe("vgg");
        discrimination["method_a"].ShouldBe("gradcam");
        discrimination["target_class"].ShouldBe("cat");
        discrimination["distractor_class"].ShouldBe("dog");
        discrimination["shown_first"].ShouldBe("dog");
        discrimination["shown_second"].ShouldBe("cat");
        discrimination["correct"].ShouldBe("true");
        discrimination["answer"].ShouldBe("0");
        discrimination["chosen_class"].ShouldBe("cat");
        discrimination["position"].ShouldBe("1");
        discrimination["response_ms"].ShouldBe("1500");
        discrimination["shown_utc"].ShouldBe("2026-11-22T10:00:00.000Z");
        discrimination["answered_utc"].ShouldBe("2026-11-22T10:00:01.500Z");
        discrimination["participant_excluded"].ShouldBe("true");

        var trust = rows.Single(r => r["experiment"] == "trust");
        trust["model_b"].ShouldBe("weak");
        trust["shown_first"].ShouldBe("vgg");
        trust["score"].ShouldBe("-2");
        trust["answer"].ShouldBe("-2");
        trust["correct"].ShouldBe("");
        trust["chosen_class"].ShouldBe("");

        var comparison = rows.Single(r => r["experiment"] == "comparison");
        comparison["method_b"].ShouldBe("squadcam");
        comparison["shown_first"].ShouldBe("squadcam");
        comparison["score"].ShouldBe("-1");

        var attention = rows.Single(r => r["attention_check"] == "true");
        attention["experiment"].ShouldBe("");
        attention["stimulus_id"].ShouldBe("");
        attention["correct"].ShouldBe("false");
        attention["answer"].ShouldBe("Both");
    }

    [Fact]
    public async Task Answers_UseAnonymousIdsNotTokensOrRecruiterIds()
    {
        var (raw, _, rows, _) = await CsvAsync("/research/studies/demo/export/answers.csv");

        raw.ShouldNotContain("secret-token");
        raw.ShouldNotContain("HYPERLINK");
        rows.Select(r => r["participant"]).Distinct().Count().ShouldBe(2);
        rows.ShouldAllBe(r => r["participant"].Length == 13 && r["participant"].StartsWith('p'));
    }

    [Fact]
    public async Task Participants_WithoutIncludeIds_HasNoRecruiterIds()
    {
        var (raw, header, rows, _) = await CsvAsync("/research/studies/demo/export/participants.csv");

        header.ShouldBe(CsvExports.ParticipantColumns.Select(c => c.Name).ToArray());
        header.ShouldNotContain("prolific_pid");
        raw.ShouldNotContain("HYPERLINK");
        raw.ShouldNotContain("STUDY1");
        var prolific = rows.Single(r => r["source"] == "prolific");
        prolific["attention_checks"].ShouldBe("1");
        prolific["attention_failures"].ShouldBe("1");
        prolific["questions_answered"].ShouldBe("3");
        prolific["median_response_ms"].ShouldBe("2000");
        prolific["excluded"].ShouldBe("true");
        prolific["exclusion_reason"].ShouldBe("failed_attention");
        var direct = rows.Single(r => r["source"] == "direct");
        direct["status"].ShouldBe("completed");
        direct["completed_utc"].ShouldBe("2026-11-22T10:02:00.000Z");
        direct["excluded"].ShouldBe("false");
        direct["exclusion_reason"].ShouldBe("");
    }

    [Fact]
    public async Task Participants_WithIncludeIds_NeutralisesAFormulaPid()
    {
        var (raw, header, rows, response) = await CsvAsync("/research/studies/demo/export/participants.csv?include_ids=true");

        response.Content.Headers.ContentDisposition!.DispositionType.ShouldBe("attachment");
        header.ShouldContain("prolific_pid");
        header.ShouldContain("mturk_worker_id");
        var prolific = rows.Single(r => r["source"] == "prolific");
        prolific["prolific_pid"].ShouldBe("'" + ResearchSeed.MaliciousPid);
        prolific["prolific_study_id"].ShouldBe("STUDY1");
        raw.ShouldNotContain(",=HYPERLINK");
        raw.ShouldNotContain(",\"=HYPERLINK");
    }

    [Fact]
    public async Task Stimuli_ListEveryStimulusWithCounts()
    {
        var (_, header, rows, _) = await CsvAsync("/research/studies/demo/export/stimuli.csv");

        header.ShouldBe(CsvExports.StimulusColumns.Select(c => c.Name).ToArray());
        rows.Count.ShouldBe(3);
        var discrimination = rows.Single(r => r["experiment"] == "discrimination");
        discrimination["image_label"].ShouldBe("cat");
        discrimination["correct_answers"].ShouldBe("2");
        rows.Single(r => r["experiment"] == "trust")["correct_answers"].ShouldBe("");
    }

    [Fact]
    public async Task Codebook_DescribesEveryColumnOfEveryExport()
    {
        var response = await site.Client.GetAsync("/research/studies/demo/export/codebook.md");
        response.Content.Headers.ContentDisposition!.DispositionType.ShouldBe("attachment");
        var codebook = await response.Content.ReadAsStringAsync();

        var (_, answers, _, _) = await CsvAsync("/research/studies/demo/export/answers.csv");
        var (_, participants, _, _) = await CsvAsync("/research/studies/demo/export/participants.csv?include_ids=true");
        var (_, stimuli, _, _) = await CsvAsync("/research/studies/demo/export/stimuli.csv");
        foreach (var column in answers.Concat(participants).Concat(stimuli))
        {
            codebook.ShouldContain($"| {column} | ");
        }
        codebook.ShouldContain("## answers.csv");
        codebook.ShouldContain("## participants.csv");
        codebook.ShouldContain("## stimuli.csv");
    }

    [Theory]
    [InlineData("=1+1", "'=1+1")]
    [InlineData("+cmd", "'+cmd")]
    [InlineData("-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("\tx", "'\tx")]
    [InlineData("\rx", "'\rx")]
    [InlineData("-2", "-2")]
    [InlineData("+1", "+1")]
    [InlineData("-0.5", "-0.5")]
    [InlineData("plain", "plain")]
    [InlineData("", "")]
    [InlineData("a=b", "a=b")]
    public void NeutraliseText_PrefixesFormulasButNotNumbers(string cell, string expected)
    {
        CsvExports.NeutraliseText(cell).ShouldBe(expected);
    }

    [Fact]
    public void Format_WritesNumbersAndTimesInvariantly()
    {
        CsvExports.Format(-2).ShouldBe("-2");
        CsvExports.Format(1234.5).ShouldBe("1234.5");
        CsvExports.Format(true).ShouldBe("true");
        CsvExports.Format(null).ShouldBe("");
        CsvExports.Format(new DateTime(2026, 1, 2, 3, 4, 5, 6, DateTimeKind.Utc)).ShouldBe("2026-01-02T03:04:05.006Z");
    }
}
