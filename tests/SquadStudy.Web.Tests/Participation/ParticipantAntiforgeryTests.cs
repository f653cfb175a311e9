using System.Text;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using SquadStudy.Web.Participation;

namespace SquadStudy.Web.Tests.Participation;

public sealed class ParticipantAntiforgeryTests : IDisposable
{
    /// <summary>The framework's antiforgery, counting how often it is asked.</summary>
    private sealed class Counting(IAntiforgery inner) : IAntiforgery
    {
        public int Issued;
        public int Checked;

        public AntiforgeryTokenSet GetAndStoreTokens(HttpContext httpContext)
        {
            Issued++;
            return inner.GetAndStoreTokens(httpContext);
        }

        public AntiforgeryTokenSet GetTokens(HttpContext httpContext) => inner.GetTokens(httpContext);

        public Task<bool> IsRequestValidAsync(HttpContext httpContext)
        {
            Checked++;
            return inner.IsRequestValidAsync(httpContext);
        }

        public Task ValidateRequestAsync(HttpContext httpContext) => inner.ValidateRequestAsync(httpContext);

        public void SetCookieTokenAndHeader(HttpContext httpContext) => inner.SetCookieTokenAndHeader(httpContext);
    }

    private readonly ServiceProvider services = new ServiceCollection()
        .AddLogging()
        .AddDataProtection().UseEphemeralDataProtectionProvider().Services
        .AddAntiforgery()
        .BuildServiceProvider();
    private readonly Counting framework;
    private readonly ParticipantAntiforgery antiforgery;
    private readonly AntiforgeryOptions options;

    public ParticipantAntiforgeryTests()
    {
        framework = new Counting(services.GetRequiredService<IAntiforgery>());
        options = services.GetRequiredService<IOptions<AntiforgeryOptions>>().Value;
        antiforgery = new ParticipantAntiforgery(framework);
    }

    public void Dispose() => services.Dispose();

    private HttpContext Request(string method, string? cookie, string? formToken = null, string? fetchSite = null)
    {
        var context = new DefaultHttpContext { RequestServices = services };
        context.Request.Method = method;
        if (cookie is not null)
        {
            context.Request.Headers.Cookie = $"{options.Cookie.Name}={cookie}";
        }
        if (fetchSite is not null)
        {
            context.Request.Headers[ParticipantAntiforgery.FetchSiteHeader] = fetchSite;
        }
        if (method == "POST")
        {
            var body = formToken is null ? "Position=0" : $"Position=0&{options.FormFieldName}={Uri.EscapeDataString(formToken)}";
            context.Request.ContentType = "application/x-www-form-urlencoded";
            context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(body));
        }
        return context;
    }

    /// <summary>A GET without a cookie: the framework issues the cookie (returned here) and a form token.</summary>
    private (string Cookie, string FormToken) FirstVisit()
    {
        var context = Request("GET", null);
        var tokens = antiforgery.GetAndStoreTokens(context);
        var cookie = SetCookieHeaderValue.ParseList(context.Response.Headers.SetCookie.Select(h => h!).ToList()).Single(c => c.Name == options.Cookie.Name).Value.ToString();
        return (cookie, tokens.RequestToken!);
    }

    [Fact]
    public void FormTokens_AreTheFrameworks_EveryTime_WithItsNoCacheHeaders()
    {
        var (cookie, _) = FirstVisit();
        var second = Request("GET", cookie);
        antiforgery.GetAndStoreTokens(second).RequestToken.ShouldNotBeNullOrEmpty();
        antiforgery.GetAndStoreTokens(Request("GET", cookie));
        framework.Issued.ShouldBe(3);
        second.Response.Headers.CacheControl.ToString().ShouldContain("no-store");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("same-site")]
    [InlineData("none")]
    [InlineData("something-new")]
    public async Task WithoutConclusiveFetchMetadata_TheFrameworkDecides_AndRefusesForgedMissingAndForeignTokens(string? fetchSite)
    {
        var (cookie, token) = FirstVisit();
        var (otherCookie, otherToken) = FirstVisit();

        (await antiforgery.IsRequestValidAsync(Request("POST", cookie, token, fetchSite))).ShouldBeTrue();
        // A token with another participant's cookie, a forged token, no token, no cookie: all refused by the framework.
        (await antiforgery.IsRequestValidAsync(Request("POST", otherCookie, token, fetchSite))).ShouldBeFalse();
        (await antiforgery.IsRequestValidAsync(Request("POST", cookie, otherToken, fetchSite))).ShouldBeFalse();
        (await antiforgery.IsRequestValidAsync(Request("POST", cookie, token + "x", fetchSite))).ShouldBeFalse();
        (await antiforgery.IsRequestValidAsync(Request("POST", cookie, null, fetchSite))).ShouldBeFalse();
        (await antiforgery.IsRequestValidAsync(Request("POST", null, token, fetchSite))).ShouldBeFalse();
        framework.Checked.ShouldBe(6);
        // Nothing is remembered: the same valid pair is checked by the framework again.
        (await antiforgery.IsRequestValidAsync(Request("POST", cookie, token, fetchSite))).ShouldBeTrue();
        framework.Checked.ShouldBe(7);
    }

    [Fact]
    public async Task CrossSitePost_IsRefused_EvenWithAValidToken()
    {
        var (cookie, token) = FirstVisit();
        (await antiforgery.IsRequestValidAsync(Request("POST", cookie, token, "cross-site"))).ShouldBeFalse();
        (await antiforgery.IsRequestValidAsync(Request("POST", cookie, token, "Cross-Site"))).ShouldBeFalse();
        framework.Checked.ShouldBe(0);
    }

    [Fact]
    public async Task SameOriginPost_IsAccepted_TheBrowserVouchesForIt()
    {
        var (cookie, token) = FirstVisit();
        (await antiforgery.IsRequestValidAsync(Request("POST", cookie, token, "same-origin"))).ShouldBeTrue();
        framework.Checked.ShouldBe(0);
    }

    [Fact]
    public async Task RepeatedFetchSiteHeaders_AreNotConclusive()
    {
        // Two values cannot come from a browser: the framework's token decides.
        var (cookie, _) = FirstVisit();
        var context = Request("POST", cookie);
        context.Request.Headers[ParticipantAntiforgery.FetchSiteHeader] = new Microsoft.Extensions.Primitives.StringValues(["same-origin", "same-origin"]);
        (await antiforgery.IsRequestValidAsync(context)).ShouldBeFalse();
        framework.Checked.ShouldBe(1);
    }
}
