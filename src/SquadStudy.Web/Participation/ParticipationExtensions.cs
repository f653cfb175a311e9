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
        builder.Services.AddSingleton<ShownStamps>();
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

/// <summary>
/// Study Markdown (consent, instructions) to HTML with raw HTML escaped, never passed through, and
/// every link and image address checked: only http(s), mailto and relative addresses survive, so a
/// pack cannot put a <c>javascript:</c>, <c>data:</c> or <c>vbscript:</c> link before participants.
/// </summary>
public static class StudyMarkdown
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().DisableHtml().Build();

    private static readonly string[] SafeSchemes = ["http", "https", "mailto"];

    public static string ToHtml(string? markdown)
    {
        if (string.IsNullOrWhiteSpace(markdown))
        {
            return "";
        }
        using var writer = new StringWriter();
        var renderer = new Markdig.Renderers.HtmlRenderer(writer) { LinkRewriter = SafeUrl };
        Pipeline.Setup(renderer);
        renderer.Render(Markdown.Parse(markdown, Pipeline));
        writer.Flush();
        return writer.ToString();
    }

    /// <summary>The address unchanged when it is safe, else <c>#</c>.</summary>
    public static string SafeUrl(string url)
    {
        // Browsers ignore whitespace and control characters inside a scheme ("java\tscript:"), so the check does too.
        var squeezed = new string(url.Where(c => c > ' ' && c != '\u007f').ToArray());
        var end = squeezed.IndexOfAny([':', '/', '?', '#', '\\']);
        if (end < 0 || squeezed[end] != ':')
        {
            return url;
        }
        var scheme = squeezed[..end];
        return SafeSchemes.Contains(scheme, StringComparer.OrdinalIgnoreCase) ? url : "#";
    }
}
