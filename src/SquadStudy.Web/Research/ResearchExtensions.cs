using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SquadStudy.Analysis;
using SquadStudy.Data;
using SquadStudy.Data.Entities;
using SquadStudy.Reporting;
using SquadStudy.Web.Infrastructure;

namespace SquadStudy.Web.Research;

public static class ResearchExtensions
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    /// <summary>Registers the researcher area's services (sign-in throttling, dashboard, gallery, exports).</summary>
    public static IServiceCollection AddResearchServices(this IServiceCollection services)
    {
        services.AddOptions<LoginThrottleOptions>().BindConfiguration(LoginThrottleOptions.Section);
        services.AddOptions<ResultsOptions>().BindConfiguration(ResultsOptions.Section)
            .Validate(o => o.BootstrapResamples >= 0, $"{ResultsOptions.Section}:BootstrapResamples must be 0 (off) or more.").ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddScoped<ResearcherSignIn>();
        services.AddScoped<ResumeAttempts>();
        services.AddScoped<ResearchStudies>();
        services.AddScoped<StudyDashboard>();
        services.AddScoped<StudyGallery>();
        services.AddScoped<StudyFiles>();
        services.AddScoped<ResearchResults>();
        services.AddSingleton<ResultsCache>();
        return services;
    }

    /// <summary>
    /// The researcher area's non-page endpoints: the dashboard's live JSON, the exports and the
    /// stored images of the gallery. All need the researcher policy, like the pages under /Research.
    /// </summary>
    public static IEndpointRouteBuilder MapResearchEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var study = endpoints.MapGroup("/research/studies/{slug}").RequireAuthorization(ResearcherPolicy.Name);

        study.MapGet("/progress.json", async (string slug, StudyDashboard dashboard, CancellationToken ct) =>
            await dashboard.StatusAsync(slug, ct) is { } status ? Results.Json(status, Json) : Results.NotFound());

        // The same document as `squadstudy report --json`: every table with and without exclusions.
        study.MapGet("/results.json", async (string slug, ResearchResults results, CancellationToken ct) =>
            await results.ResultsAsync(slug, ct) is { } document
                ? Results.Text(document.ToJson(), "application/json; charset=utf-8")
                : Results.NotFound());

        study.MapGet("/export/answers.csv", async (string slug, StudyDashboard dashboard, CancellationToken ct) =>
            await dashboard.SnapshotAsync(slug, ct) is { } snapshot
                ? Csv(CsvExports.Answers(snapshot), $"{slug}-answers.csv")
                : Results.NotFound());

        study.MapGet("/export/participants.csv", async (string slug, bool? include_ids, StudyDashboard dashboard, CancellationToken ct) =>
            await dashboard.SnapshotAsync(slug, ct) is { } snapshot
                ? Csv(CsvExports.Participants(snapshot, include_ids == true), include_ids == true ? $"{slug}-participants-with-ids.csv" : $"{slug}-participants.csv")
                : Results.NotFound());

        study.MapGet("/export/stimuli.csv", async (string slug, StudyDashboard dashboard, CancellationToken ct) =>
            await dashboard.SnapshotAsync(slug, ct) is { } snapshot
                ? Csv(CsvExports.Stimuli(snapshot), $"{slug}-stimuli.csv")
                : Results.NotFound());

        study.MapGet("/export/gate-attempts.csv", async (string slug, StudyDashboard dashboard, CancellationToken ct) =>
            await dashboard.SnapshotAsync(slug, ct) is { } snapshot
                ? Csv(CsvExports.GateAttempts(snapshot), $"{slug}-gate-attempts.csv")
                : Results.NotFound());

        study.MapGet("/export/resume-attempts.csv", async (string slug, ResumeAttempts attempts, CancellationToken ct) =>
            await attempts.CsvAsync(slug, ct) is { } csv ? Csv(csv, $"{slug}-resume-attempts.csv") : Results.NotFound());

        study.MapGet("/export/codebook.md", async (string slug, ResearchStudies studies, CancellationToken ct) =>
            await studies.FindAsync(slug, ct) is { } found
                ? Results.File(Encoding.UTF8.GetBytes(CsvExports.CodebookMarkdown(found.Title)), "text/markdown; charset=utf-8", $"{slug}-codebook.md")
                : Results.NotFound());

        // Analysis scripts generated for the study (docs/analysis.md): they read the answers.csv above. ?experiment=
        // discrimination or simulation picks the answers they model; without it, the study's default type.
        study.MapGet("/export/analysis.R", async (string slug, string? experiment, ResearchStudies studies, CancellationToken ct) =>
            AnalysisScript(await studies.FindAsync(slug, ct), slug, experiment, AnalysisScripts.R, "text/x-r; charset=utf-8", "R"));

        study.MapGet("/export/analysis.py", async (string slug, string? experiment, ResearchStudies studies, CancellationToken ct) =>
            AnalysisScript(await studies.FindAsync(slug, ct), slug, experiment, AnalysisScripts.Python, "text/x-python; charset=utf-8", "py"));

        study.MapGet("/files/image/{id:long}", async (string slug, long id, StudyFiles files, CancellationToken ct) =>
            await files.ImageAsync(slug, id, ct) is { } file ? Results.File(file.Path, file.ContentType) : Results.NotFound());

        study.MapGet("/files/explanation/{id:long}", async (string slug, long id, StudyFiles files, CancellationToken ct) =>
            await files.ExplanationAsync(slug, id, ct) is { } file ? Results.File(file.Path, file.ContentType) : Results.NotFound());

        return endpoints;
    }

    /// <summary>
    /// A generated analysis script for the experiment type asked for (none: <see cref="AnalysisScriptExport.DefaultType"/>):
    /// 400 for a type the scripts do not model, 404 when the study has no experiment of that type. The discrimination
    /// scripts keep their name, {slug}-analysis.R; the simulation ones are {slug}-simulation-analysis.R.
    /// </summary>
    private static IResult AnalysisScript(Study? found, string slug, string? experiment, Func<ScriptStudy, string> generate, string contentType, string extension)
    {
        if (found is null)
        {
            return Results.NotFound();
        }
        var definition = StudyDefinition.Parse(found.DefinitionJson);
        if (string.IsNullOrEmpty(experiment))
        {
            experiment = AnalysisScriptExport.DefaultType(definition);
        }
        else if (!ScriptExperiment.IsKnown(experiment))
        {
            return Results.Text($"The analysis scripts model the {string.Join(" or ", ScriptExperiment.All)} answers: ?experiment={experiment} is neither.\n",
                "text/plain; charset=utf-8", statusCode: StatusCodes.Status400BadRequest);
        }
        else if (!AnalysisScriptExport.Types(definition).Contains(experiment))
        {
            return Results.Text($"Study {slug} has no {experiment} experiment, so there are no {experiment} answers to analyse.\n",
                "text/plain; charset=utf-8", statusCode: StatusCodes.Status404NotFound);
        }
        return Script(generate(AnalysisScriptExport.For(found, definition, experiment)), contentType, AnalysisScriptExport.FileName(slug, experiment, extension));
    }

    /// <summary>A script download: an attachment, never run or shown inline by the browser.</summary>
    private static IResult Script(string text, string contentType, string fileName) =>
        Results.File(new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text), contentType, fileName);

    /// <summary>A CSV download: <c>Content-Disposition: attachment</c>, never shown inline.</summary>
    private static IResult Csv(byte[] content, string fileName) => Results.File(content, "text/csv; charset=utf-8", fileName);
}
