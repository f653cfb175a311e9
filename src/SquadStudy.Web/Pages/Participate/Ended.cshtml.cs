using Microsoft.AspNetCore.Mvc;
using SquadStudy.Data.Entities;
using SquadStudy.Web.Participation;

namespace SquadStudy.Web.Pages.Participate;

/// <summary>
/// <c>/s/{slug}/ended</c>: the ending of a participant who returned the study, timed out or was
/// screened out by the comprehension gate, with the way back to the recruiter. Each ending has its
/// own code (study.json <c>completion.no_code</c> for a return, <c>completion.screened_out</c>), so the
/// recruiter tells them apart; Prolific takes it as <c>…/submissions/complete?cc=CODE</c>.
/// </summary>
public sealed class EndedModel(ParticipationService service) : ParticipantPageModel(service)
{
    public string Status { get; private set; } = "";
    public string? Code { get; private set; }
    public string? RedirectUrl { get; private set; }
    public bool Mturk { get; private set; }
    public string WithdrawalCode { get; private set; } = "";

    public async Task<IActionResult> OnGetAsync(string slug)
    {
        if (await LoadAsync(slug, requireParticipant: true) is { } early)
        {
            return early;
        }
        var participant = Participant!;
        if (!ParticipantStatus.IsEnded(participant.Status))
        {
            return RedirectToCurrent(participant, slug);
        }
        Status = participant.Status;
        WithdrawalCode = Secrets.FormatWithdrawalCode(participant.WithdrawalCode);
        var completion = Study!.Definition.Completion;
        Code = participant.Status switch
        {
            ParticipantStatus.ScreenedOut => completion?.ScreenedOut,
            ParticipantStatus.Returned => completion?.NoCode,
            // The recruiter timed the submission out itself; no code changes that.
            _ => null,
        };
        Mturk = Study.Redirect == "mturk";
        if (Code is not null)
        {
            RedirectUrl = Study.Redirect switch
            {
                "prolific" => DoneModel.ProlificCompletionUrl + Uri.EscapeDataString(Code),
                string url when Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps => uri.AbsoluteUri,
                _ => null,
            };
        }
        return Page();
    }
}
