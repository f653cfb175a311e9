using SquadStudy.Data.Entities;

namespace SquadStudy.Web.Participation;

/// <summary>The participant pages' URLs, for the question endpoints and the Razor Pages alike (the question page is not a Razor Page, so <c>RedirectToPage</c> cannot name it).</summary>
public static class ParticipantUrls
{
    /// <summary>The study's link: consent, or resuming a returning participant.</summary>
    public static string Landing(HttpRequest request, string slug) => $"{request.PathBase}/s/{slug}";

    public static string Question(HttpRequest request, string slug) => $"{request.PathBase}/s/{slug}/q";

    public static string Done(HttpRequest request, string slug) => $"{request.PathBase}/s/{slug}/done";

    /// <summary>Where a participant continues: the completion page once their plan is done, else their current question.</summary>
    public static string Continue(HttpRequest request, string slug, ParticipantState participant) =>
        IsFinished(participant) ? Done(request, slug) : Question(request, slug);

    public static bool IsFinished(ParticipantState participant) =>
        participant.Status == ParticipantStatus.Completed || participant.CurrentPosition >= participant.PlanLength;

    /// <summary>Withdrawal of the participant whose cookie the request carries.</summary>
    public static string Withdraw(HttpRequest request, string slug) => $"{request.PathBase}/s/{slug}/withdraw";

    /// <summary>Withdrawal with the withdrawal code, for anyone, at any time.</summary>
    public static string WithdrawByCode(HttpRequest request) => $"{request.PathBase}/withdraw";
}
