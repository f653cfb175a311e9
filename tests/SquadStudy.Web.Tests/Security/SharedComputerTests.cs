using System.Net;
using SquadStudy.Testing;
using SquadStudy.Web.Tests.Participation;

namespace SquadStudy.Web.Tests.Security;

public sealed class SharedComputerTests(SquadStudyWebFactory factory) : ParticipationTestBase(factory), IClassFixture<SquadStudyWebFactory>
{
    private static IReadOnlyList<string> SessionCookies(HttpResponseMessage response, string slug) =>
        response.Headers.TryGetValues("Set-Cookie", out var cookies) ? [.. cookies.Where(c => c.StartsWith($"ss.p.{slug}=", StringComparison.Ordinal))] : [];

    [Fact]
    public async Task FinishedSession_CookieShortenedOnceOnTheDonePage_NotExtendedByLaterViews()
    {
        var study = await AddStudyAsync();
        var bot = await EnrolledBotAsync(study);
        await bot.WalkToEndAsync(new Random(5));

        var first = await bot.Client.GetAsync($"/s/{study.Slug}/done");
        var second = await bot.Client.GetAsync($"/s/{study.Slug}/done");

        first.StatusCode.ShouldBe(HttpStatusCode.OK);
        var shortened = SessionCookies(first, study.Slug).ShouldHaveSingleItem();
        shortened.ShouldContain("expires=", Case.Insensitive);
        shortened.ShouldNotContain("max-age", Case.Insensitive);
        second.StatusCode.ShouldBe(HttpStatusCode.OK);
        SessionCookies(second, study.Slug).ShouldBeEmpty();
    }
}
