using SquadStudy.Data.Entities;

namespace SquadStudy.Web.Participation;

/// <summary>The participant pages' URLs, for the question endpoints and the Razor Pages alike (the question page is not a Razor Page, so <c>RedirectToPage</c> cannot name it).</summary>
public static class ParticipantUrls
{
    /// <summary>The study's link: consent, or resuming a returning participant.</summary>
    public static string Landing(HttpRequest request, string slug) => $"{request.PathBase}/s/{slug}";

    public static string Question(HttpRequest request, string slug) => $"{request.PathBase}/s/{slug}/q";

    public static string Done(HttpRequest request, string slug) => $"{request.PathBase}/s/{slug}/done";

    /// <summary>The comprehension gate between the instructions and the first question.</summary>
    public static string Gate(HttpRequest request, string slug) => $"{request.PathBase}/s/{slug}/gate";

    /// <summary>"Return this study": the confirmation page.</summary>
    public static string Return(HttpRequest request, string slug) => $"{request.PathBase}/s/{slug}/return";

    /// <summary>The ending of a participant who returned, timed out or was screened out.</summary>
    public static string Ended(HttpRequest request, string slug) => $"{request.PathBase}/s/{slug}/ended";

    /// <summary>
    /// Where a participant continues: the completion page once their plan is done, the ending page
    /// once they returned, timed out or were screened out, else their current question (which sends
    /// them to the gate first when the study has one).
    /// </summary>
    public static string Continue(HttpRequest request, string slug, ParticipantState participant) =>
        ParticipantStatus.IsEnded(participant.Status) ? Ended(request, slug)
        : IsFinished(participant) ? Done(request, slug)
        : Question(request, slug);

    /// <summary>The footer's "Return this study" link, while the participant can still go on; else null.</summary>
    public static string? ReturnLink(HttpRequest request, string slug, ParticipantState? participant) =>
        participant is { Status: ParticipantStatus.Active or ParticipantStatus.Abandoned } && !IsFinished(participant) ? Return(request, slug) : null;

    public static bool IsFinished(ParticipantState participant) =>
        participant.Status == ParticipantStatus.Completed || participant.CurrentPosition >= participant.PlanLength;

    /// <summary>Withdrawal of the participant whose cookie the request carries.</summary>
    public static string Withdraw(HttpRequest request, string slug) => $"{request.PathBase}/s/{slug}/withdraw";

    /// <summary>Withdrawal with the withdrawal code, for anyone, at any time.</summary>
    public static string WithdrawByCode(HttpRequest request) => $"{request.PathBase}/withdraw";
}
