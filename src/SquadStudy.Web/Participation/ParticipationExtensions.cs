using Microsoft.Extensions.DependencyInjection.Extensions;
using Markdig;
using SquadStudy.Data;
using SquadStudy.Data.Participants;

namespace SquadStudy.Web.Participation;

public static class ParticipationExtensions
{
    /// <summary>Registers the participant side: services, the abandonment sweep.</summary>
    public static WebApplicationBuilder AddParticipation(this WebApplicationBuilder builder, DatabaseSettings database)
    {
        builder.Services.AddOptions<ParticipationOptions>().BindConfiguration(ParticipationOptions.Section);
        builder.Services.AddMemoryCache();
        builder.Services.AddScoped<SquadStudy.Web.Pages.Participate.PreviewSessions>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddParticipantStore(database);
        builder.Services.AddSingleton<StudyContent>();
        builder.Services.AddScoped<ParticipationService>();
        builder.Services.AddSingleton<ParticipantAntiforgery>();
        builder.Services.AddHostedService<AbandonmentService>();
        return builder;
    }

    /// <summary>Maps the content-addressed media endpoint and the question page; the other participant pages are Razor Pages under /s.</summary>
    public static WebApplication MapParticipation(this WebApplication app)
    {
        app.MapMedia();
        app.MapQuestionPage();
        return app;
    }
}

/// <summary>Study Markdown (consent, instructions) to HTML with raw HTML escaped, never passed through.</summary>
public static class StudyMarkdown
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().DisableHtml().Build();

    public static string ToHtml(string? markdown) => string.IsNullOrWhiteSpace(markdown) ? "" : Markdown.ToHtml(markdown, Pipeline);
}
