using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SquadStudy.Data.Entities;
using SquadStudy.Web.Pages.Research;

namespace SquadStudy.Web.Tests.Research;

public sealed class LoginTests : IDisposable
{
    private readonly ResearchSiteFactory site = new();

    public void Dispose() => site.Dispose();

    private Task<Researcher> AccountAsync() =>
        site.WithDbAsync(db => db.Researchers.AsNoTracking().SingleAsync(r => r.Email == ResearchSiteFactory.Email));

    [Fact]
    public async Task Login_SeededAdminAccount_RedirectsToStudiesWithCookie()
    {
        var client = site.CreateBrowserlessClient();
        var response = await ResearchSiteFactory.PostLoginAsync(client, ResearchSiteFactory.Email, ResearchSiteFactory.Password);

        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        response.Headers.Location!.OriginalString.ShouldBe("/research");
        response.Headers.GetValues("Set-Cookie").ShouldContain(c => c.StartsWith("squadstudy.researcher=", StringComparison.Ordinal));
        (await client.GetAsync("/research")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await AccountAsync()).LastLoginUtc.ShouldBe(site.Clock.Now.UtcDateTime);
    }

    [Fact]
    public async Task ResearcherCookie_IsScopedToResearch_ParticipantPagesNeverReceiveIt()
    {
        var client = site.CreateBrowserlessClient();
        var login = await ResearchSiteFactory.PostLoginAsync(client, ResearchSiteFactory.Email, ResearchSiteFactory.Password);

        var cookie = login.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("squadstudy.researcher=", StringComparison.Ordinal));
        cookie.ShouldContain("path=/research;", Case.Insensitive);
        // Signed in under /research (the layout names the account) ...
        (await (await client.GetAsync("/research")).Content.ReadAsStringAsync()).ShouldContain(ResearchSiteFactory.Email);
        // ... but a page outside it is rendered for nobody: the cookie was not sent.
        (await (await client.GetAsync("/")).Content.ReadAsStringAsync()).ShouldNotContain(ResearchSiteFactory.Email);
    }

    [Fact]
    public async Task Login_EmailIsCaseInsensitive()
    {
        var response = await ResearchSiteFactory.PostLoginAsync(site.CreateBrowserlessClient(), "  LEAD@Example.ORG ", ResearchSiteFactory.Password);
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
    }

    [Fact]
    public async Task Login_WrongPasswordAndUnknownEmail_ShowTheSameMessage()
    {
        var wrongPassword = await ResearchSiteFactory.PostLoginAsync(site.CreateBrowserlessClient(), ResearchSiteFactory.Email, "not the password at all");
        var unknownEmail = await ResearchSiteFactory.PostLoginAsync(site.CreateBrowserlessClient(), "nobody@example.org", "not the password at all");

        wrongPassword.StatusCode.ShouldBe(HttpStatusCode.OK);
        unknownEmail.StatusCode.ShouldBe(HttpStatusCode.OK);
        var encoded = System.Net.WebUtility.HtmlEncode(LoginModel.FailureMessage);
        (await wrongPassword.Content.ReadAsStringAsync()).ShouldContain(encoded);
        (await unknownEmail.Content.ReadAsStringAsync()).ShouldContain(encoded);
        (await AccountAsync()).FailedLoginCount.ShouldBe(1);
    }

    [Fact]
    public async Task Login_FiveFailures_LockTheAccountForFifteenMinutes_EvenForTheRightPassword()
    {
        var client = site.CreateBrowserlessClient();
        for (var i = 0; i < 5; i++)
        {
            (await ResearchSiteFactory.PostLoginAsync(client, ResearchSiteFactory.Email, $"wrong password {i}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        }
        (await AccountAsync()).LockoutEndUtc.ShouldBe(site.Clock.Now.UtcDateTime.AddMinutes(15));

        var locked = await ResearchSiteFactory.PostLoginAsync(client, ResearchSiteFactory.Email, ResearchSiteFactory.Password);
        locked.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await locked.Content.ReadAsStringAsync()).ShouldContain(System.Net.WebUtility.HtmlEncode(LoginModel.FailureMessage));

        site.Clock.Now = site.Clock.Now.AddMinutes(14);
        (await ResearchSiteFactory.PostLoginAsync(client, ResearchSiteFactory.Email, ResearchSiteFactory.Password)).StatusCode.ShouldBe(HttpStatusCode.OK);

        site.Clock.Now = site.Clock.Now.AddMinutes(2);
        (await ResearchSiteFactory.PostLoginAsync(client, ResearchSiteFactory.Email, ResearchSiteFactory.Password)).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var account = await AccountAsync();
        account.FailedLoginCount.ShouldBe(0);
        account.LockoutEndUtc.ShouldBeNull();
    }

    [Fact]
    public async Task Login_FourFailuresThenSuccess_ResetsTheCount()
    {
        var client = site.CreateBrowserlessClient();
        for (var i = 0; i < 4; i++)
        {
            await ResearchSiteFactory.PostLoginAsync(client, ResearchSiteFactory.Email, "wrong password here");
        }
        (await AccountAsync()).FailedLoginCount.ShouldBe(4);
        (await ResearchSiteFactory.PostLoginAsync(client, ResearchSiteFactory.Email, ResearchSiteFactory.Password)).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await AccountAsync()).FailedLoginCount.ShouldBe(0);
    }

    [Fact]
    public async Task Login_WithoutAntiforgeryToken_Returns400()
    {
        var client = site.CreateBrowserlessClient();
        await client.GetAsync("/research/login");
        var response = await client.PostAsync("/research/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Input.Email"] = ResearchSiteFactory.Email,
            ["Input.Password"] = ResearchSiteFactory.Password,
        }));
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Login_OldFormatHash_SucceedsAndIsRehashed()
    {
        var v2 = new PasswordHasher<Researcher>(Options.Create(new PasswordHasherOptions { CompatibilityMode = PasswordHasherCompatibilityMode.IdentityV2 }));
        await site.WithDbAsync(async db =>
        {
            var account = await db.Researchers.SingleAsync();
            account.PasswordHash = v2.HashPassword(account, ResearchSiteFactory.Password);
            await db.SaveChangesAsync();
        });
        var oldHash = (await AccountAsync()).PasswordHash;
        Convert.FromBase64String(oldHash)[0].ShouldBe((byte)0x00);

        (await ResearchSiteFactory.PostLoginAsync(site.CreateBrowserlessClient(), ResearchSiteFactory.Email, ResearchSiteFactory.Password))
            .StatusCode.ShouldBe(HttpStatusCode.Redirect);

        var newHash = (await AccountAsync()).PasswordHash;
        newHash.ShouldNotBe(oldHash);
        Convert.FromBase64String(newHash)[0].ShouldBe((byte)0x01);
    }

    [Fact]
    public async Task Login_ExternalReturnUrl_IsIgnored()
    {
        var client = site.CreateBrowserlessClient();
        var response = await ResearchSiteFactory.PostLoginAsync(client, ResearchSiteFactory.Email, ResearchSiteFactory.Password, "https://evil.example/");
        response.Headers.Location!.OriginalString.ShouldBe("/research");
    }

    [Fact]
    public async Task Login_LocalReturnUrl_IsFollowed()
    {
        var client = site.CreateBrowserlessClient();
        var response = await ResearchSiteFactory.PostLoginAsync(client, ResearchSiteFactory.Email, ResearchSiteFactory.Password, "/research/studies/demo");
        response.Headers.Location!.OriginalString.ShouldBe("/research/studies/demo");
    }

    [Fact]
    public async Task Logout_Post_EndsTheSession()
    {
        var client = await site.SignedInClientAsync();
        var token = await ResearchSiteFactory.AntiforgeryTokenAsync(client, "/research");
        var response = await client.PostAsync("/research/logout", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));

        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        response.Headers.Location!.OriginalString.ShouldBe("/research/login");
        var after = await client.GetAsync("/research");
        after.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        after.Headers.Location!.AbsolutePath.ShouldBe("/research/login");
    }

    [Fact]
    public async Task Logout_WithoutAntiforgeryToken_Returns400AndKeepsTheSession()
    {
        var client = await site.SignedInClientAsync();
        var response = await client.PostAsync("/research/logout", new FormUrlEncodedContent([]));
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await client.GetAsync("/research")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}
