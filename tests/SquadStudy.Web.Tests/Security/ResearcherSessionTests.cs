using System.Net;
using Microsoft.Extensions.DependencyInjection;
using SquadStudy.Data;
using SquadStudy.Web.Tests.Research;

namespace SquadStudy.Web.Tests.Security;

public sealed class ResearcherSessionTests : IDisposable
{
    private readonly ResearchSiteFactory site = new();

    public void Dispose() => site.Dispose();

    private async Task<bool> ChangeAccountAsync(Func<ResearcherAccounts, Task<bool>> change)
    {
        await using var scope = site.Services.CreateAsyncScope();
        return await change(scope.ServiceProvider.GetRequiredService<ResearcherAccounts>());
    }

    [Fact]
    public async Task SignOutEverywhere_EndsAnExistingSession_ANewSignInWorks()
    {
        var client = await site.SignedInClientAsync();
        (await client.GetAsync("/research")).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await ChangeAccountAsync(a => a.SignOutEverywhereAsync(ResearchSiteFactory.Email))).ShouldBeTrue();

        var after = await client.GetAsync("/research");
        after.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        after.Headers.Location!.OriginalString.ShouldContain("/research/login");
        (await (await site.SignedInClientAsync()).GetAsync("/research")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task PasswordReset_EndsTheSession_AndRemovedAccount_HasNone()
    {
        var client = await site.SignedInClientAsync();
        (await ChangeAccountAsync(a => a.ResetPasswordAsync(ResearchSiteFactory.Email, "a brand new long password"))).ShouldBeTrue();
        (await client.GetAsync("/research")).StatusCode.ShouldBe(HttpStatusCode.Redirect);

        var again = site.CreateBrowserlessClient();
        (await ResearchSiteFactory.PostLoginAsync(again, ResearchSiteFactory.Email, "a brand new long password")).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await ChangeAccountAsync(a => a.RemoveAsync(ResearchSiteFactory.Email))).ShouldBeTrue();
        (await again.GetAsync("/research")).StatusCode.ShouldBe(HttpStatusCode.Redirect);
    }

    [Fact]
    public async Task ActiveSession_EndsAfterItsAbsoluteLifetime_HoweverOftenItSlides()
    {
        var client = await site.SignedInClientAsync();
        for (var hours = 5; hours <= 20; hours += 5)
        {
            site.Clock.Now = site.Clock.Now.AddHours(5);
            (await client.GetAsync("/research")).StatusCode.ShouldBe(HttpStatusCode.OK, $"after {hours} h of activity");
        }

        site.Clock.Now = site.Clock.Now.AddHours(5);

        (await client.GetAsync("/research")).StatusCode.ShouldBe(HttpStatusCode.Redirect);
    }
}
