namespace SquadStudy.Web.Infrastructure;

/// <summary>The authorization policy of the researcher area; sign-in adds the claim.</summary>
public static class ResearcherPolicy
{
    public const string Name = "Researcher";
    public const string ClaimType = "squadstudy:researcher_id";
}
