using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;
using SquadStudy.Data.Entities;
using SquadStudy.Studies;
using SquadStudy.Web.Infrastructure;
using SquadStudy.Web.Participation;

namespace SquadStudy.Web.Pages.Participate;

/// <summary><c>/s/{slug}</c>: the study link. Captures recruiter ids, resumes a returning participant, asks for consent.</summary>
public sealed class LandingModel(ParticipationService service) : ParticipantPageModel(service)
{
    public sealed class ConsentInput
    {
        [Range(typeof(bool), "true", "true", ErrorMessage = "Please confirm that you are 18 or older.")]
        public bool Adult { get; set; }

        [Range(typeof(bool), "true", "true", ErrorMessage = "Please confirm that you have read and agree to the information above.")]
        public bool Agree { get; set; }

        [Range(typeof(bool), "true", "true", ErrorMessage = "Please confirm that you understand you can withdraw at any time.")]
        public bool UnderstandWithdrawal { get; set; }
    }

    [BindProperty]
    public ConsentInput Input { get; set; } = new();

    /// <summary>The resume code typed on a device without the recruiter id's session.</summary>
    [BindProperty]
    public string? ResumeCode { get; set; }

    /// <summary>The recruiter id already has a session, not on this device: ask for its resume code instead of handing it over.</summary>
    public bool NeedsResumeCode { get; private set; }

    public string ConsentHtml { get; private set; } = "";
    /// <summary>The language the consent text is in (the study's own where it has none in the page's language).</summary>
    public string ConsentLanguage { get; private set; } = StudyLanguages.Default;
    public bool MturkPreview { get; private set; }
    public IReadOnlyDictionary<string, string> RecruiterQuery { get; private set; } = new Dictionary<string, string>();

    public async Task<IActionResult> OnGetAsync(string slug, CancellationToken cancellationToken)
    {
        var (result, recruiter) = await PrepareAsync(slug);
        if (result is not null)
        {
            return result;
        }
        if (recruiter!.IsMturkPreview)
        {
            MturkPreview = true;
            return Page();
        }
        if (await Service.FindByRecruiterAsync(Study!.Id, recruiter, cancellationToken) is { } returning)
        {
            // A recruiter id is in the link for anyone to type: only the device holding the session, or
            // the session's resume code, gets it (docs/participants.md). A GET never writes the cookie.
            return returning.Id == Participant?.Id ? RedirectToCurrent(returning, slug) : AskForResumeCode();
        }
        if (Participant is not null)
        {
            return RedirectToCurrent(Participant, slug);
        }
        return ClosedMessage() ?? Page();
    }

    public async Task<IActionResult> OnPostAsync(string slug, CancellationToken cancellationToken)
    {
        var (result, recruiter) = await PrepareAsync(slug);
        if (result is not null)
        {
            return result;
        }
        if (recruiter!.IsMturkPreview)
        {
            return ShowMessage(StatusCodes.Status400BadRequest, Text["Please accept the HIT on MTurk before starting the study."]);
        }
        if (ClosedMessage() is { } closed)
        {
            return closed;
        }
        if (!ModelState.IsValid)
        {
            return Page();
        }
        if (await Service.FindByRecruiterAsync(Study!.Id, recruiter, cancellationToken) is { } returning && returning.Id != Participant?.Id)
        {
            return AskForResumeCode();
        }
        var participant = await Service.EnrolAsync(Study!, recruiter, DeviceCookie.HashOrIssue(HttpContext), cancellationToken);
        ParticipantCookie.Write(Response, slug, participant.Token);
        return participant.CurrentPosition == 0 && participant.Status == ParticipantStatus.Active
            ? RedirectToPage("/Participate/Instructions", new { slug })
            : RedirectToCurrent(participant, slug);
    }

    /// <summary>Resumes a recruiter id's session on this device with its resume code; every try is logged for the researcher.</summary>
    public async Task<IActionResult> OnPostResumeAsync(string slug, CancellationToken cancellationToken)
    {
        var (result, recruiter) = await PrepareAsync(slug);
        if (result is not null)
        {
            return result;
        }
        if (await Service.FindByRecruiterAsync(Study!.Id, recruiter!, cancellationToken) is not { } returning)
        {
            // Nobody holds this id (any more): the consent form, as the study link shows it.
            return ClosedMessage() ?? Page();
        }
        var right = Secrets.IsResumeCode(returning.Token, ResumeCode);
        await Service.RecordResumeAttemptAsync(Study.Id, returning.Id, right ? ResumeOutcome.Resumed : ResumeOutcome.WrongCode, cancellationToken);
        if (!right)
        {
            ModelState.AddModelError(nameof(ResumeCode), Text["That is not this session's resume code. It is at the bottom of every page of the study on the device you started on."]);
            return AskForResumeCode();
        }
        ParticipantCookie.Write(Response, slug, returning.Token);
        return RedirectToCurrent(returning, slug);
    }

    public async Task<IActionResult> OnPostDeclineAsync(string slug, CancellationToken cancellationToken)
    {
        var (result, _) = await PrepareAsync(slug);
        if (result is not null)
        {
            return result;
        }
        if (ClosedMessage() is { } closed)
        {
            return closed;
        }
        await Service.DeclineAsync(Study!.Id, cancellationToken);
        return RedirectToPage("/Participate/Declined", new { slug });
    }

    private async Task<(IActionResult?, RecruiterParameters?)> PrepareAsync(string slug)
    {
        if (await LoadAsync(slug, requireParticipant: false) is { } early)
        {
            return (early, null);
        }
        if (!RecruiterParameters.TryParse(name => Request.Query[name], out var recruiter, out var error))
        {
            return (ShowMessage(StatusCodes.Status400BadRequest, Text["This study link is not valid: {0}", error!]), null);
        }
        // The chosen language goes along with the recruiter's ids, so the consent form's POST keeps it too.
        var query = new Dictionary<string, string>(recruiter.ToQuery());
        if (Request.Query[LocalisationExtensions.QueryKey] is { Count: 1 } language && StudyLanguages.Supported.Contains(language.ToString()))
        {
            query[LocalisationExtensions.QueryKey] = language.ToString();
        }
        RecruiterQuery = query;
        var texts = await Service.TextsAsync(Study!, LocalisationExtensions.CurrentLanguage, HttpContext.RequestAborted);
        ConsentHtml = StudyMarkdown.ToHtml(texts.ConsentMarkdown);
        ConsentLanguage = texts.ConsentLanguage;
        return (null, recruiter);
    }

    private IActionResult AskForResumeCode()
    {
        NeedsResumeCode = true;
        return Page();
    }

    private IActionResult? ClosedMessage() => Study!.Status switch
    {
        StudyStatus.Open => null,
        StudyStatus.Closed => ShowMessage(StatusCodes.Status403Forbidden, Text["This study is closed and no longer takes participants. Thank you for your interest."]),
        _ => ShowMessage(StatusCodes.Status403Forbidden, Text["This study has not opened yet. Please come back when your recruiter invites you."]),
    };
}
