using Microsoft.AspNetCore.Mvc;
using SquadStudy.Data.Entities;
using SquadStudy.Web.Participation;

namespace SquadStudy.Web.Pages.Participate;

/// <summary>
/// <c>/s/{slug}/return</c>: "return this study" after one confirmation. Unlike withdrawal, the
/// answers are kept; the participant is marked <c>returned</c>, their unanswered slots are freed and
/// they cannot go on. Repeating the POST (double click, replay) changes nothing more.
/// </summary>
public sealed class ReturnModel(ParticipationService service) : ParticipantPageModel(service)
{
    public async Task<IActionResult> OnGetAsync(string slug)
    {
        if (await LoadAsync(slug, requireParticipant: true) is { } early)
        {
            return early;
        }
        return ParticipantUrls.ReturnLink(Request, slug, Participant) is null ? RedirectToCurrent(Participant!, slug) : Page();
    }

    public async Task<IActionResult> OnPostAsync(string slug, CancellationToken cancellationToken)
    {
        if (await LoadAsync(slug, requireParticipant: true) is { } early)
        {
            return early;
        }
        var participant = Participant!;
        if (ParticipantUrls.ReturnLink(Request, slug, participant) is not null)
        {
            await Service.ReturnAsync(participant, cancellationToken);
        }
        // Whether this request or an earlier one ended it: the ending page, or the completion page
        // when the last answer got there first.
        return ParticipantStatus.IsEnded(participant.Status) || ParticipantUrls.ReturnLink(Request, slug, participant) is not null
            ? Redirect(ParticipantUrls.Ended(Request, slug))
            : RedirectToCurrent(participant, slug);
    }
}
