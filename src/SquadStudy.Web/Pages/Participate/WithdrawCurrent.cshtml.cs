using Microsoft.AspNetCore.Mvc;
using SquadStudy.Web.Participation;

namespace SquadStudy.Web.Pages.Participate;

/// <summary><c>/s/{slug}/withdraw</c>: the current participant withdraws after one confirmation.</summary>
public sealed class WithdrawCurrentModel(ParticipationService service) : ParticipantPageModel(service)
{
    public async Task<IActionResult> OnGetAsync(string slug)
    {
        if (await LoadAsync(slug, requireParticipant: false) is { } early)
        {
            return early;
        }
        return Participant is null ? RedirectToPage("/Participate/Withdraw") : Page();
    }

    public async Task<IActionResult> OnPostAsync(string slug, CancellationToken cancellationToken)
    {
        if (await LoadAsync(slug, requireParticipant: false) is { } early)
        {
            return early;
        }
        if (Participant is not null)
        {
            await Service.WithdrawAsync(Participant.Id, cancellationToken);
        }
        ParticipantCookie.Delete(Response, slug);
        return RedirectToPage("/Participate/Withdrawn");
    }
}
