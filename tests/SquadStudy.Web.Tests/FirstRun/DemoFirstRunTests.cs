using System.Globalization;
using System.Net;
using CsvHelper;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using SquadStudy.Data.Entities;
using SquadStudy.Web.Tests.Participation;
using SquadStudy.Web.Tests.Research;
using SquadStudy.Web.Tests.Results;

namespace SquadStudy.Web.Tests.FirstRun;

/// <summary>The real first run, once for the class: the repository's demo/pack found from the content root, nothing configured.</summary>
public sealed class DemoSite : IAsyncLifetime, IDisposable
{
    public FirstRunFactory Factory { get; } = new(demoPack: null);

    public Study Study { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Factory.CreateClient().Dispose();
        Study = await Factory.WaitForStatusAsync("demo", StudyStatus.Open, TimeSpan.FromMinutes(10));
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => Factory.Dispose();
}

public sealed class DemoFirstRunTests(DemoSite site) : IClassFixture<DemoSite>, IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("squadstudy-demo-analysis-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public async Task EmptyDataDirectory_OpensTheRepositoryDemo_WithTheAccuracyPyTorchRecorded()
    {
        var factory = site.Factory;
        var models = await factory.WithDbAsync(db => db.StudyModels.Where(m => m.StudyId == site.Study.Id).ToListAsync());
        models.Select(m => m.Key).Order().ShouldBe(["vgg", "weak"]);
        foreach (var model in models)
        {
            model.RecordedAccuracy.ShouldNotBeNull();
            // The pack records the accuracy rounded to four places.
            model.MeasuredAccuracy.ShouldNotBeNull().ShouldBe(model.RecordedAccuracy.Value, 5e-5, model.Key);
        }
        var stimuli = await factory.WithDbAsync(db => db.Stimuli.Where(s => s.StudyId == site.Study.Id)
            .GroupBy(s => s.Experiment).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count));
        stimuli[ExperimentKind.Discrimination].ShouldBeGreaterThanOrEqualTo(12);
        stimuli[ExperimentKind.Trust].ShouldBeGreaterThanOrEqualTo(6);
        stimuli[ExperimentKind.Comparison].ShouldBeGreaterThanOrEqualTo(4);
        factory.Warnings.ShouldContain(w => w.Contains("/s/demo"));
    }

    /// <summary>
    /// The generated analysis.R and analysis.py on the demo's own export: participant bots take the demo study,
    /// the researcher downloads answers.csv and both scripts, and the scripts' fixed effects equal a glmer fit the
    /// test makes itself from the CSV (its own selection of rows and its own formula), and Python's agree with R's.
    /// </summary>
    [StatsmodelsFact]
    public async Task AnalysisScripts_OnTheDemosExportedAnswers_EqualTheTestsOwnFit()
    {
        var factory = site.Factory;
        const int participants = 30;
        var random = new Random(2026);
        for (var i = 0; i < participants; i++)
        {
            var bot = new ParticipantBot(factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false }), "demo");
            (await bot.EnrolAsync($"?PROLIFIC_PID=demo-analysis-{i:D2}&STUDY_ID=s&SESSION_ID=t{i}")).StatusCode.ShouldBe(HttpStatusCode.Redirect);
            // A participant who reads: two seconds a question, attention checks as asked, a random class otherwise.
            while ((await bot.GetQuestionAsync()).Page is { } page)
            {
                factory.Clock.Advance(TimeSpan.FromSeconds(2));
                var asked = page.Options.FirstOrDefault(o => page.Prompt.Contains($"choose \"{o}\"", StringComparison.Ordinal));
                var choice = asked ?? page.Options[random.Next(page.Options.Count)];
                (await bot.AnswerAsync(page, choice)).StatusCode.ShouldBe(HttpStatusCode.Redirect);
            }
        }

        var researcher = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        (await ResearchSiteFactory.PostLoginAsync(researcher, "lead@example.org", "a long enough password")).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        async Task<string> DownloadAsync(string file)
        {
            var response = await researcher.GetAsync($"/research/studies/demo/export/{file}");
            response.StatusCode.ShouldBe(HttpStatusCode.OK, file);
            var path = Path.Combine(directory, "demo-" + file);
            await File.WriteAllBytesAsync(path, await response.Content.ReadAsByteArrayAsync());
            return path;
        }
        var csv = await DownloadAsync("answers.csv");
        var rScript = await DownloadAsync("analysis.R");
        var pythonScript = await DownloadAsync("analysis.py");

        var kept = KeptDiscriminationAnswers(csv);
        var methods = kept.Select(a => a.Method).Distinct().Count();
        methods.ShouldBe(4, "every demo method should have answers");
        var (r, rOutput) = Run(Interpreters.Rscript, rScript, csv);
        rOutput.ShouldContain($"{kept.Count} answers, {kept.Select(a => a.Participant).Distinct().Count()} participants, {kept.Select(a => a.Image).Distinct().Count()} images");
        var reference = ReferenceFit(kept);
        r.Keys.ShouldBe(reference.Keys, ignoreOrder: true);
        r.Count.ShouldBe(2 * 4, "intercept, three method terms, one model term and three interactions");
        foreach (var (term, expected) in reference)
        {
            r[term].Estimate.ShouldBe(expected.Estimate, 1e-3, term);
            r[term].StdError.ShouldBe(expected.StdError, 1e-3, term);
        }

        var (python, _) = Run(Interpreters.Python, pythonScript, csv);
        python.Keys.ShouldBe(r.Keys, ignoreOrder: true);
        foreach (var term in r.Keys)
        {
            // Variational Bayes against maximum likelihood on the same model (see AnalysisScriptsTests): within a
            // quarter of R's standard error here, where random answers leave the random-effect variances near zero.
            python[term].Estimate.ShouldBe(r[term].Estimate, 0.25 * r[term].StdError, term);
        }
    }

    private sealed record KeptAnswer(string Participant, string Image, string Method, string Model, bool Correct);

    /// <summary>The rows the analysis is about, selected by the test from the documented columns (docs/results.md).</summary>
    private static List<KeptAnswer> KeptDiscriminationAnswers(string csv)
    {
        using var reader = new CsvReader(new StreamReader(csv), CultureInfo.InvariantCulture);
        reader.Read();
        reader.ReadHeader();
        var kept = new List<KeptAnswer>();
        while (reader.Read())
        {
            if (reader.GetField("experiment") == ExperimentKind.Discrimination && reader.GetField("attention_check") == "false"
                && reader.GetField("participant_excluded") == "false")
            {
                kept.Add(new(reader.GetField("participant")!, reader.GetField("image")!, reader.GetField("method_a")!, reader.GetField("model_a")!,
                    reader.GetField("correct") == "true"));
            }
        }
        kept.Count.ShouldBeGreaterThan(100);
        return kept;
    }

    private (Dictionary<string, (double Estimate, double StdError)> Effects, string Output) Run(string program, string script, string csv) =>
        Interpreters.RunScript(program, script, csv, directory);

    /// <summary>glmer with the demo's levels in the study's order (gradcam and vgg the references), written by the test.</summary>
    private Dictionary<string, (double Estimate, double StdError)> ReferenceFit(List<KeptAnswer> kept)
    {
        using (var data = new StreamWriter(Path.Combine(directory, "reference-data.csv")))
        {
            data.Write("pid,img,meth,mdl,y\n");
            foreach (var a in kept)
            {
                data.Write($"{a.Participant},{a.Image},{a.Method},{a.Model},{(a.Correct ? 1 : 0)}\n");
            }
        }
        const string code = """
            suppressPackageStartupMessages(library(lme4))
            d <- read.csv("reference-data.csv")
            meths <- c("gradcam", "squadcam", "gradcampp", "guided-gradcam")
            d$meth <- factor(d$meth, levels = meths)
            d$mdl <- factor(d$mdl, levels = c("vgg", "weak"))
            fit <- glmer(y ~ meth * mdl + (1 | pid) + (1 | img), data = d, family = binomial)
            s <- coef(summary(fit))
            terms <- c("(Intercept)", sprintf("method[%s]", meths[-1]), "model[weak]", sprintf("method[%s]:model[weak]", meths[-1]))
            write.csv(data.frame(term = terms, est = s[, 1], se = s[, 2]), "reference-effects.csv", row.names = FALSE)
            """;
        var (exitCode, output, error) = Interpreters.Run(Interpreters.Rscript, ["-e", code], directory);
        exitCode.ShouldBe(0, $"reference fit failed:\n{output}\n{error}");
        return Interpreters.ReadEffects(Path.Combine(directory, "reference-effects.csv"), "term", "est", "se");
    }
}
