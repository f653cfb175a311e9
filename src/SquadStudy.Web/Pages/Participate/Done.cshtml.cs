using Microsoft.AspNetCore.Mvc;
using SquadStudy.Data.Entities;
using SquadStudy.Web.Participation;

namespace SquadStudy.Web.Pages.Participate;

/// <summary>
/// <c>/s/{slug}/done</c>: shown only after the last answer is committed. The completion code, the
/// withdrawal code, and the way back to the recruiter (study.json <c>completion.redirect</c>).
/// </summary>
public sealed class DoneModel(ParticipationService service, TimeProvider time) : ParticipantPageModel(service)
{
    public const string ProlificCompletionUrl = "https://app.prolific.com/submissions/complete?cc=";
    public const string MturkSubmitUrl = "https://www.mturk.com/mturk/externalSubmit";
    public const string MturkSandboxSubmitUrl = "https://workersandbox.mturk.com/mturk/externalSubmit";

    /// <summary>Seconds before the page returns to the recruiter by itself: time to note the withdrawal code.</summary>
    public const int AutoReturnSeconds = 30;

    public string CompletionCode { get; private set; } = "";
    public string WithdrawalCode { get; private set; } = "";
    public string? RedirectUrl { get; private set; }
    public string? MturkAction { get; private set; }
    public string? MturkAssignmentId { get; private set; }

    public async Task<IActionResult> OnGetAsync(string slug)
    {
        if (await LoadAsync(slug, requireParticipant: true) is { } early)
        {
            return early;
        }
        var participant = Participant!;
        if (participant.Status != ParticipantStatus.Completed)
        {
            return Redirect(ParticipantUrls.Question(Request, slug));
        }
        // A shared computer: the next person must not find this participant's codes here.
        ParticipantCookie.ShortenAfterCompletion(HttpContext, slug, participant.Token, time.GetUtcNow());
        CompletionCode = Study!.CompletionCode;
        WithdrawalCode = Secrets.FormatWithdrawalCode(participant.WithdrawalCode);
        switch (Study.Redirect)
        {
            case "prolific":
                RedirectUrl = ProlificCompletionUrl + Uri.EscapeDataString(CompletionCode);
                break;
            case "mturk" when participant.MturkAssignmentId is not null:
                MturkAction = participant.MturkSandbox ? MturkSandboxSubmitUrl : MturkSubmitUrl;
                MturkAssignmentId = participant.MturkAssignmentId;
                break;
            case string url when Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps:
                RedirectUrl = uri.AbsoluteUri;
                break;
        }
        return Page();
    }
}
