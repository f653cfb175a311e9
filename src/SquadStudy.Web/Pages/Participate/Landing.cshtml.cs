using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;
using SquadStudy.Data.Entities;
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

    public string ConsentHtml { get; private set; } = "";
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
            ParticipantCookie.Write(Response, slug, returning.Token);
            return RedirectToCurrent(returning, slug);
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
            return ShowMessage(StatusCodes.Status400BadRequest, "Please accept the HIT on MTurk before starting the study.");
        }
        if (ClosedMessage() is { } closed)
        {
            return closed;
        }
        if (!ModelState.IsValid)
        {
            return Page();
        }
        var participant = await Service.EnrolAsync(Study!, recruiter, cancellationToken);
        ParticipantCookie.Write(Response, slug, participant.Token);
        return participant.CurrentPosition == 0 && participant.Status == ParticipantStatus.Active
            ? RedirectToPage("/Participate/Instructions", new { slug })
            : RedirectToCurrent(participant, slug);
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
            return (ShowMessage(StatusCodes.Status400BadRequest, $"This study link is not valid: {error}"), null);
        }
        RecruiterQuery = recruiter.ToQuery();
        ConsentHtml = StudyMarkdown.ToHtml(Study!.ConsentMarkdown);
        return (null, recruiter);
    }

    private IActionResult? ClosedMessage() => Study!.Status switch
    {
        StudyStatus.Open => null,
        StudyStatus.Closed => ShowMessage(StatusCodes.Status403Forbidden, "This study is closed and no longer takes participants. Thank you for your interest."),
        _ => ShowMessage(StatusCodes.Status403Forbidden, "This study has not opened yet. Please come back when your recruiter invites you."),
    };
}
