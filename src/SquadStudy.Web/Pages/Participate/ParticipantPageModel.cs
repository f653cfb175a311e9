using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;
using SquadStudy.Data.Entities;
using SquadStudy.Web.Participation;
using SquadStudy.Web.Slices;

namespace SquadStudy.Web.Pages.Participate;

/// <summary>Shared by the participant pages: the study from the URL, the participant from the cookie.</summary>
public abstract class ParticipantPageModel(ParticipationService service) : PageModel
{
    protected ParticipationService Service { get; } = service;

    /// <summary>The participant texts in the request's language (ParticipantText.*.resx).</summary>
    protected IStringLocalizer<ParticipantText> Text => HttpContext.RequestServices.GetRequiredService<IStringLocalizer<ParticipantText>>();

    public StudyInfo? Study { get; private set; }
    public ParticipantState? Participant { get; private set; }

    /// <summary>A message page instead of the page's content (unknown study, bad link, …).</summary>
    public string? Message { get; protected set; }

    /// <summary>Loads the study and, when <paramref name="requireParticipant"/>, the participant; otherwise returns the page to show instead.</summary>
    protected async Task<IActionResult?> LoadAsync(string slug, bool requireParticipant)
    {
        Study = await Service.FindStudyAsync(slug);
        if (Study is null)
        {
            return ShowMessage(StatusCodes.Status404NotFound, Text[QuestionEndpoint.UnknownStudyMessage]);
        }
        var found = await Service.FindParticipantAsync(Study.Id, ParticipantCookie.Read(Request, slug), HttpContext.RequestAborted);
        Participant = found?.Participant;
        ViewData["WithdrawHref"] = Participant is null ? ParticipantUrls.WithdrawByCode(Request) : ParticipantUrls.Withdraw(Request, Study.Slug);
        ViewData["Title"] = Study.Title;
        ViewData["Codes"] = Participant is null ? null : ParticipantCodes.Of(Participant);
        ViewData["ReturnHref"] = ParticipantUrls.ReturnLink(Request, Study.Slug, Participant);
        if (requireParticipant && Participant is null)
        {
            // No (or an unknown) token: start at the study's link, which resumes or enrols.
            return RedirectToPage("/Participate/Landing", new { slug });
        }
        return null;
    }

    protected IActionResult ShowMessage(int status, string message)
    {
        Message = message;
        Response.StatusCode = status;
        return Page();
    }

    /// <summary>Where a participant continues: the completion page once done, else the current question.</summary>
    protected IActionResult RedirectToCurrent(ParticipantState participant, string slug) =>
        Redirect(ParticipantUrls.Continue(Request, slug, participant));
}
