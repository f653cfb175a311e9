using Microsoft.Extensions.DependencyInjection.Extensions;
using Markdig;
using SquadStudy.Data;

namespace SquadStudy.Web.Participation;

public static class ParticipationExtensions
{
    /// <summary>Registers the participant side: services, the abandonment sweep.</summary>
    public static WebApplicationBuilder AddParticipation(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ParticipationOptions>().BindConfiguration(ParticipationOptions.Section);
        builder.Services.AddMemoryCache();
        builder.Services.AddScoped<SquadStudy.Web.Pages.S.PreviewSessions>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<WriteGate>();
        builder.Services.AddSingleton<SqliteWriteQueue>();
        builder.Services.AddHostedService(services => services.GetRequiredService<SqliteWriteQueue>());
        builder.Services.AddSingleton<SqliteReadPool>();
        builder.Services.AddSingleton<SqliteParticipantStore>();
        builder.Services.AddScoped<IParticipantStore>(services =>
            services.GetRequiredService<DatabaseSettings>().Provider == DatabaseProvider.Sqlite
                ? services.GetRequiredService<SqliteParticipantStore>()
                : new PostgresParticipantStore(services.GetRequiredService<SquadStudyDbContext>()));
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
