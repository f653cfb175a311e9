namespace SquadStudy.Web.Infrastructure;

/// <summary>The authorization policy of the researcher area; sign-in adds the claim.</summary>
public static class ResearcherPolicy
{
    public const string Name = "Researcher";
    public const string ClaimType = "squadstudy:researcher_id";

    /// <summary>The account's security stamp at sign-in (see <see cref="Research.ResearcherSessions"/>).</summary>
    public const string StampClaimType = "squadstudy:security_stamp";

    /// <summary>When the session began (Unix seconds): the absolute lifetime counts from it, however often the cookie slides.</summary>
    public const string SignedInClaimType = "squadstudy:signed_in";
}
