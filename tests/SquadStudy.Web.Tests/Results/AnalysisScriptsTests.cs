using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using AngleSharp.Html.Parser;
using CsvHelper;

namespace SquadStudy.Web.Tests.Results;

/// <summary>
/// The interpreters the generated scripts need: Debian's /usr/bin/Rscript with lme4 and /usr/bin/python3 with
/// statsmodels (not a pyenv shim: the packages are Debian's). scripts/setup.sh --test installs them.
/// </summary>
internal static class Interpreters
{
    public const string Rscript = "/usr/bin/Rscript";
    public const string Python = "/usr/bin/python3";

    public static readonly Lazy<bool> HasLme4 = new(() => Works(Rscript, "-e", "suppressPackageStartupMessages(library(lme4))"));
    public static readonly Lazy<bool> HasStatsmodels = new(() => Works(Python, "-c", "import pandas, statsmodels.genmod.bayes_mixed_glm"));

    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    private static bool Works(string program, params string[] arguments) =>
        File.Exists(program) && Run(program, arguments, Directory.GetCurrentDirectory()).ExitCode == 0;

    /// <summary>Runs a generated analysis script on an answers CSV in <paramref name="directory"/>: its fixed effects by term, and what it printed.</summary>
    /// <summary>
    /// glmer on simulated answers written by the test in its own columns (pid, img, meth, mdl, y) and with its own
    /// formula, y ~ meth * mdl + (1 | pid) + (1 | img), levels gradcam/squadcam and vgg/weak: the fit a generated
    /// script must reproduce from the site's export. Terms in the scripts' names.
    /// </summary>
    public static Dictionary<string, (double Estimate, double StdError)> ReferenceFit(IEnumerable<SimulatedAnswer> answers, string directory)
    {
        var data = new StringBuilder("pid,img,meth,mdl,y\n");
        foreach (var a in answers)
        {
            data.Append(CultureInfo.InvariantCulture, $"s{a.Participant},i{a.Image},{a.Method},{a.Model},{(a.Correct ? 1 : 0)}\n");
        }
        File.WriteAllText(Path.Combine(directory, "reference-data.csv"), data.ToString());
        const string code = """
            suppressPackageStartupMessages(library(lme4))
            d <- read.csv("reference-data.csv")
            d$meth <- factor(d$meth, levels = c("gradcam", "squadcam"))
            d$mdl <- factor(d$mdl, levels = c("vgg", "weak"))
            fit <- glmer(y ~ meth * mdl + (1 | pid) + (1 | img), data = d, family = binomial)
            s <- coef(summary(fit))
            write.csv(data.frame(term = c("(Intercept)", "method[squadcam]", "model[weak]", "method[squadcam]:model[weak]"),
                                 est = s[, 1], se = s[, 2]), "reference-effects.csv", row.names = FALSE)
            """;
        var (exitCode, output, error) = Run(Rscript, ["-e", code], directory);
        exitCode.ShouldBe(0, $"reference fit failed:\n{output}\n{error}");
        return ReadEffects(Path.Combine(directory, "reference-effects.csv"), "term", "est", "se");
    }

    public static (Dictionary<string, (double Estimate, double StdError)> Effects, string Output) RunScript(string program, string script, string csv, string directory)
    {
        var effectsFile = Path.Combine(directory, $"{Path.GetFileName(script)}-{Path.GetFileNameWithoutExtension(csv)}-effects.csv");
        var (exitCode, output, error) = Run(program, [script, csv, effectsFile], directory);
        exitCode.ShouldBe(0, $"{Path.GetFileName(script)} failed:\n{output}\n{error}");
        return (ReadEffects(effectsFile, "term", "estimate", "std_error"), output);
    }

    /// <summary>A fixed-effects CSV (the scripts' own, or a reference fit's) by term.</summary>
    public static Dictionary<string, (double Estimate, double StdError)> ReadEffects(string file, string term, string estimate, string stdError)
    {
        using var reader = new CsvReader(new StreamReader(file), CultureInfo.InvariantCulture);
        reader.Read();
        reader.ReadHeader();
        var effects = new Dictionary<string, (double, double)>(StringComparer.Ordinal);
        while (reader.Read())
        {
            effects[reader.GetField(term)!] = (double.Parse(reader.GetField(estimate)!, CultureInfo.InvariantCulture),
                double.Parse(reader.GetField(stdError)!, CultureInfo.InvariantCulture));
        }
        return effects;
    }

    /// <summary>Runs a program to its end (two minutes at most), capturing both streams.</summary>
    public static (int ExitCode, string Output, string Error) Run(string program, IEnumerable<string> arguments, string directory)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = directory };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} ran for more than two minutes.");
        }
        return (process.ExitCode, output.Result, error.Result);
    }
}

/// <summary>A test that needs R with lme4: skipped, with the reason, where they are missing; under CI=true it runs (and fails).</summary>
internal sealed class Lme4FactAttribute : FactAttribute
{
    public Lme4FactAttribute()
    {
        if (!Interpreters.InCi && !Interpreters.HasLme4.Value)
        {
            Skip = $"{Interpreters.Rscript} with lme4 is not installed (apt-get install r-base-core r-cran-lme4, or scripts/setup.sh --test); CI=true makes this a failure";
        }
    }
}

/// <summary>A test that needs R with lme4 and Python with statsmodels, skipped likewise.</summary>
internal sealed class StatsmodelsFactAttribute : FactAttribute
{
    public StatsmodelsFactAttribute()
    {
        if (!Interpreters.InCi && !(Interpreters.HasLme4.Value && Interpreters.HasStatsmodels.Value))
        {
            Skip = $"{Interpreters.Python} with statsmodels, or {Interpreters.Rscript} with lme4, is not installed (apt-get install python3-statsmodels r-base-core r-cran-lme4, or scripts/setup.sh --test); CI=true makes this a failure";
        }
    }
}

/// <summary>
/// The generated analysis.R and analysis.py, downloaded from the dashboard's exports and run on the study's exported
/// answers.csv: their fixed effects against a glmer fit the test makes itself from the answers it seeded (its own
/// formula and columns), against the true effects of the simulation, and Python's against R's.
/// </summary>
public sealed class AnalysisScriptsTests(SimulatedStudySite site) : IClassFixture<SimulatedStudySite>, IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("squadstudy-analysis-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private static readonly string[] Terms = ["(Intercept)", "method[squadcam]", "model[weak]", "method[squadcam]:model[weak]"];

    private async Task<string> DownloadAsync(string file)
    {
        using var client = site.ResearcherClient();
        var response = await client.GetAsync($"/research/studies/{SimulatedStudySite.Slug}/export/{file}");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentDisposition!.DispositionType.ShouldBe("attachment");
        var path = Path.Combine(directory, response.Content.Headers.ContentDisposition.FileName!.Trim('"'));
        await File.WriteAllBytesAsync(path, await response.Content.ReadAsByteArrayAsync());
        return path;
    }

    private (Dictionary<string, (double Estimate, double StdError)> Effects, string Output) RunScript(string program, string script, string csv) =>
        Interpreters.RunScript(program, script, csv, directory);

    /// <summary>
    /// glmer on the seeded answers themselves, written by the test in its own columns and with its own formula:
    /// what the generated script must reproduce from the export.
    /// </summary>
    private Dictionary<string, (double Estimate, double StdError)> ReferenceFit() => Interpreters.ReferenceFit(site.KeptAnswers, directory);

    [Fact]
    public async Task Scripts_AreGeneratedForTheStudy_AndNeedALogin()
    {
        var r = await File.ReadAllTextAsync(await DownloadAsync("analysis.R"));
        var python = await File.ReadAllTextAsync(await DownloadAsync("analysis.py"));

        r.ShouldContain("METHODS <- c(\"gradcam\", \"squadcam\")");
        r.ShouldContain("MODELS <- c(\"vgg\", \"weak\")");
        r.ShouldContain("\"simulated-answers.csv\"");
        r.ShouldContain("glmer(model_formula, data = d, family = binomial)");
        r.ShouldContain("a participant who fails an attention check is excluded");
        python.ShouldContain("METHODS = [\"gradcam\", \"squadcam\"]");
        python.ShouldContain("BinomialBayesMixedGLM.from_formula");
        python.ShouldContain("a participant who fails an attention check is excluded");

        using var anonymous = site.CreateParticipantClient();
        foreach (var file in new[] { "analysis.R", "analysis.py" })
        {
            var response = await anonymous.GetAsync($"/research/studies/{SimulatedStudySite.Slug}/export/{file}");
            response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
            response.Headers.Location!.ToString().ShouldContain("/research/login");
        }
        using var researcher = site.ResearcherClient();
        (await researcher.GetAsync("/research/studies/no-such-study/export/analysis.R")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var dashboard = new HtmlParser().ParseDocument(await researcher.GetStringAsync($"/research/studies/{SimulatedStudySite.Slug}"));
        var links = dashboard.QuerySelectorAll("#exports-heading ~ ul a").Select(a => a.GetAttribute("href")).ToList();
        links.ShouldContain($"/research/studies/{SimulatedStudySite.Slug}/export/analysis.R");
        links.ShouldContain($"/research/studies/{SimulatedStudySite.Slug}/export/analysis.py");
    }

    [StatsmodelsFact]
    public void Scripts_KeepHostileNamesAsData()
    {
        // A title with a line break and code, names with quotes, backslashes and a tab: the scripts must still parse,
        // read the names back exactly, and leave the title in its comment.
        string[] methods = ["Grad-CAM", "say \"hi\"\\", "tab\there"];
        var study = new SquadStudy.Analysis.ScriptStudy("x", "Title\nsystem('touch pwned') # \r\nimport os", methods, ["vgg"], "none");
        var r = Path.Combine(directory, "hostile.R");
        var python = Path.Combine(directory, "hostile.py");
        File.WriteAllText(r, SquadStudy.Analysis.AnalysisScripts.R(study));
        File.WriteAllText(python, SquadStudy.Analysis.AnalysisScripts.Python(study));

        var (rExit, rOut, rError) = Interpreters.Run(Interpreters.Rscript,
            ["-e", "e <- parse(file = 'hostile.R'); for (x in e) if (identical(x[[2]], as.name('METHODS'))) eval(x); cat(METHODS, sep = '\\n')"], directory);
        rExit.ShouldBe(0, rError);
        rOut.TrimEnd('\n').ShouldBe(string.Join('\n', methods));
        var (pyExit, pyOut, pyError) = Interpreters.Run(Interpreters.Python,
            ["-c", "import ast\nfor n in ast.parse(open('hostile.py').read()).body:\n    if isinstance(n, ast.Assign) and getattr(n.targets[0], 'id', None) == 'METHODS': print('\\n'.join(ast.literal_eval(n.value)), end='')"], directory);
        pyExit.ShouldBe(0, pyError);
        pyOut.ShouldBe(string.Join('\n', methods));
        foreach (var text in new[] { File.ReadAllText(r), File.ReadAllText(python) })
        {
            text.Split('\n').Where(line => line.Contains("touch pwned", StringComparison.Ordinal)).ShouldAllBe(line => line.StartsWith('#'));
            text.Split('\n').ShouldNotContain("import os");
        }
    }

    [Lme4Fact]
    public async Task RScript_OnTheExportedAnswers_EqualsTheTestsOwnGlmerFit_AndFindsTheSimulatedEffects()
    {
        var script = await DownloadAsync("analysis.R");
        var csv = await DownloadAsync("answers.csv");

        var (effects, output) = RunScript(Interpreters.Rscript, script, csv);
        var reference = ReferenceFit();

        output.ShouldContain($"{SimulatedStudySite.Participants * SimulatedStudySite.Images} answers, {SimulatedStudySite.Participants} participants, {SimulatedStudySite.Images} images");
        effects.Keys.ShouldBe(Terms, ignoreOrder: true);
        foreach (var term in Terms)
        {
            effects[term].Estimate.ShouldBe(reference[term].Estimate, 1e-3, term);
            effects[term].StdError.ShouldBe(reference[term].StdError, 1e-3, term);
            // Sign and size of the simulated effects come back (the main effects lie 4 to 5 standard errors from 0;
            // the interaction, 0.6, is about 1.5 standard errors, so it is checked only within its error).
            Math.Abs(effects[term].Estimate - SimulatedStudySite.TrueEffects[term]).ShouldBeLessThan(3 * effects[term].StdError, term);
        }
    }

    [Lme4Fact]
    public async Task RScript_WithOneModel_DropsTheModelTerm_AndRefusesAForeignCsv()
    {
        var script = await DownloadAsync("analysis.R");
        var csv = await DownloadAsync("answers.csv");
        var lines = await File.ReadAllLinesAsync(csv);
        var header = lines[0].Split(',');
        int modelColumn = Array.IndexOf(header, "model_a");
        var vggOnly = Path.Combine(directory, "vgg-only.csv");
        await File.WriteAllLinesAsync(vggOnly, lines.Where((line, i) => i == 0 || line.Split(',')[modelColumn] != "weak"));

        var (effects, output) = RunScript(Interpreters.Rscript, script, vggOnly);

        effects.Keys.ShouldBe(["(Intercept)", "method[squadcam]"], ignoreOrder: true);
        output.ShouldContain("correct ~ method + (1 | participant) + (1 | image)");

        var foreign = Path.Combine(directory, "foreign.csv");
        await File.WriteAllTextAsync(foreign, "participant,image,answer\np1,img1,0\n");
        var (exitCode, _, error) = Interpreters.Run(Interpreters.Rscript, [script, foreign], directory);
        exitCode.ShouldNotBe(0);
        error.ShouldContain("lacks the column(s) attention_check, experiment, model_a, method_a, correct, participant_excluded");
    }

    [StatsmodelsFact]
    public async Task PythonScript_OnTheExportedAnswers_AgreesWithR()
    {
        var csv = await DownloadAsync("answers.csv");
        var (r, _) = RunScript(Interpreters.Rscript, await DownloadAsync("analysis.R"), csv);

        var (python, output) = RunScript(Interpreters.Python, await DownloadAsync("analysis.py"), csv);

        output.ShouldContain($"{SimulatedStudySite.Participants * SimulatedStudySite.Images} answers, {SimulatedStudySite.Participants} participants, {SimulatedStudySite.Images} images");
        python.Keys.ShouldBe(Terms, ignoreOrder: true);
        foreach (var term in Terms)
        {
            // Variational Bayes against maximum likelihood on the same model: within a tenth of R's standard error
            // (measured: within 0.03 of it). Its std_error is a posterior SD, about a quarter of glmer's: not compared.
            python[term].Estimate.ShouldBe(r[term].Estimate, 0.1 * r[term].StdError, term);
        }
    }
}
