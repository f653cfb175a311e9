using System.Security.Cryptography;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using SquadStudy.Data.Entities;
using SquadStudy.Web.Infrastructure;
using SquadStudy.Web.Participation;
using SquadStudy.Web.Slices;

namespace SquadStudy.Web.Pages.Participate;

/// <summary>
/// <c>/research/studies/{slug}/preview</c>: a researcher walks through a freshly drawn plan exactly as a participant
/// would see it. Nothing is stored as a participant or an answer: the plan lives in
/// <see cref="PreviewSessions"/> (shared by every instance) under a random key held in a cookie,
/// and the balance counts are only read.
/// </summary>
[Authorize(Policy = ResearcherPolicy.Name)]
public sealed class PreviewModel(ParticipationService service, PreviewSessions sessions, IAntiforgery antiforgery) : ParticipantPageModel(service)
{
    public sealed class PreviewSession
    {
        public required IReadOnlyList<DrawnItem> Items { get; init; }
        public int Position { get; set; }
        public string? LastFeedback { get; set; }
    }

    [BindProperty]
    public int Position { get; set; }

    [BindProperty]
    public string? Choice { get; set; }

    [BindProperty]
    public string? Confidence { get; set; }

    public QuestionFormModel? Form { get; private set; }
    public PreviewSession? Session { get; private set; }

    public async Task<IActionResult> OnGetAsync(string slug, CancellationToken cancellationToken)
    {
        if (await PrepareAsync(slug) is { } early)
        {
            return early;
        }
        Session = await FindAsync(slug, cancellationToken) ?? await StartAsync(slug, cancellationToken);
        if (Session.Position < Session.Items.Count)
        {
            Form = NewForm(await ViewAtAsync(Session, cancellationToken), null);
        }
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string slug, CancellationToken cancellationToken)
    {
        if (await PrepareAsync(slug) is { } early)
        {
            return early;
        }
        var session = await FindAsync(slug, cancellationToken);
        if (session is null || Position != session.Position || session.Position >= session.Items.Count)
        {
            return RedirectToPage("/Participate/Preview", new { slug });
        }
        var item = await ItemAsync(session, cancellationToken);
        var answer = Questions.Evaluate(item, Choice);
        if (answer is null)
        {
            Session = session;
            Form = NewForm(await Service.BuildViewAsync(Study!, item, session.Items.Count, cancellationToken), Text["Please choose one of the options before going on."]);
            return Page();
        }
        if (Questions.ReadConfidence(Questions.ConfidenceOf(Study!.Definition, item), Confidence, out var level) != ConfidenceOutcome.Valid)
        {
            Session = session;
            Form = NewForm(await Service.BuildViewAsync(Study!, item, session.Items.Count, cancellationToken), Text["Please say how confident you are before going on."]);
            return Page();
        }
        session.LastFeedback = $"Position {session.Position + 1} would be stored as choice \"{answer.Choice}\""
            + (level is int confidence ? $", confidence {confidence}" : "")
            + (answer.IsCorrect is bool correct ? correct ? ", correct" : ", incorrect" : "")
            + (answer.Score is int score ? $", score {score:+0;-0;0} for the stimulus' model/method A" : "") + ".";
        session.Position++;
        await sessions.SaveAsync(Study!.Id, Request.Cookies[CookieName(slug)]!, session, cancellationToken);
        return RedirectToPage("/Participate/Preview", new { slug });
    }

    public async Task<IActionResult> OnPostRestartAsync(string slug, CancellationToken cancellationToken)
    {
        if (await PrepareAsync(slug) is { } early)
        {
            return early;
        }
        if (Request.Cookies[CookieName(slug)] is string key)
        {
            await sessions.RemoveAsync(key, cancellationToken);
        }
        Response.Cookies.Delete(CookieName(slug), new CookieOptions { Path = $"/research/studies/{slug}/preview" });
        return RedirectToPage("/Participate/Preview", new { slug });
    }

    private async Task<IActionResult?> PrepareAsync(string slug)
    {
        if (await LoadAsync(slug, requireParticipant: false) is { } early)
        {
            return early;
        }
        ViewData["Title"] = $"Preview: {Study!.Title}";
        return Study.Status is StudyStatus.Draft or StudyStatus.Ready or StudyStatus.Open
            ? null
            : ShowMessage(StatusCodes.Status409Conflict, $"A {Study.Status} study cannot be previewed (only draft, ready and open ones).");
    }

    private async Task<PreviewSession> StartAsync(string slug, CancellationToken cancellationToken)
    {
        var session = new PreviewSession { Items = await Service.DrawPreviewAsync(Study!, cancellationToken) };
        var key = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        await sessions.AddAsync(Study!.Id, key, session, cancellationToken);
        Response.Cookies.Append(CookieName(slug), key, new CookieOptions
        {
            Path = $"/research/studies/{slug}/preview",
            HttpOnly = true,
            SameSite = SameSiteMode.Lax,
            Secure = Request.IsHttps,
        });
        return session;
    }

    private async Task<PreviewSession?> FindAsync(string slug, CancellationToken cancellationToken) =>
        Request.Cookies[CookieName(slug)] is string key ? await sessions.FindAsync(Study!.Id, key, cancellationToken) : null;

    private async Task<QuestionView> ViewAtAsync(PreviewSession session, CancellationToken cancellationToken) =>
        await Service.BuildViewAsync(Study!, await ItemAsync(session, cancellationToken), session.Items.Count, cancellationToken);

    private async Task<PlanItemView> ItemAsync(PreviewSession session, CancellationToken cancellationToken)
    {
        var drawn = session.Items[session.Position].ToPlannedItem();
        var stimulus = drawn.StimulusId is long id
            ? await Service.StimulusAsync(Study!.Id, id, cancellationToken) ?? throw new InvalidOperationException($"Stimulus {id} of the preview plan no longer exists.")
            : null;
        return new PlanItemView(0, session.Position, drawn.Kind, drawn.Swapped, drawn.AttentionPrompt, drawn.AttentionAnswer,
            drawn.AttentionOptionsJson, stimulus);
    }

    private static string CookieName(string slug) => $"ss.preview.{slug}";

    /// <summary>The question form as participants see it, posting back to the preview.</summary>
    private QuestionFormModel NewForm(QuestionView view, string? error) =>
        new(view, error, Url.Page("/Participate/Preview", new { slug = Study!.Slug })!, antiforgery.GetAndStoreTokens(HttpContext), SiteUrls.For(HttpContext).QuestionJs, Text);
}
