using System.Security.Claims;
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
        antiforgery = new ParticipantAntiforgery(framework, services.GetRequiredService<IOptions<AntiforgeryOptions>>());
    }

    public void Dispose()
    {
        antiforgery.Dispose();
        services.Dispose();
    }

    private HttpContext Request(string method, string? cookie, string? formToken = null, bool signedIn = false)
    {
        var context = new DefaultHttpContext { RequestServices = services };
        context.Request.Method = method;
        if (cookie is not null)
        {
            context.Request.Headers.Cookie = $"{options.Cookie.Name}={cookie}";
        }
        if (method == "POST")
        {
            var body = formToken is null ? "Position=0" : $"Position=0&{options.FormFieldName}={Uri.EscapeDataString(formToken)}";
            context.Request.ContentType = "application/x-www-form-urlencoded";
            context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(body));
        }
        if (signedIn)
        {
            context.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "researcher")], "test"));
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
    public void FormToken_ForAKnownCookie_IsIssuedAgainWithoutTheFramework_WithItsNoCacheHeaders()
    {
        var (cookie, _) = FirstVisit();
        var second = antiforgery.GetAndStoreTokens(Request("GET", cookie));
        framework.Issued.ShouldBe(2);

        var third = Request("GET", cookie);
        antiforgery.GetAndStoreTokens(third).RequestToken.ShouldBe(second.RequestToken);
        framework.Issued.ShouldBe(2);
        third.Response.Headers.CacheControl.ToString().ShouldBe("no-cache, no-store");
        third.Response.Headers.Pragma.ToString().ShouldBe("no-cache");

        // Another participant's cookie is the framework's to answer.
        var (otherCookie, _) = FirstVisit();
        antiforgery.GetAndStoreTokens(Request("GET", otherCookie)).RequestToken.ShouldNotBe(second.RequestToken);
        framework.Issued.ShouldBe(4);
    }

    [Fact]
    public async Task AcceptedPair_IsAcceptedAgainWithoutTheFramework_ButOnlyThatPair()
    {
        var (cookie, token) = FirstVisit();
        var (otherCookie, otherToken) = FirstVisit();

        (await antiforgery.IsRequestValidAsync(Request("POST", cookie, token))).ShouldBeTrue();
        (await antiforgery.IsRequestValidAsync(Request("POST", cookie, token))).ShouldBeTrue();
        framework.Checked.ShouldBe(1);

        // A token with another participant's cookie, a forged token, no token, no cookie: all refused by the framework.
        (await antiforgery.IsRequestValidAsync(Request("POST", otherCookie, token))).ShouldBeFalse();
        (await antiforgery.IsRequestValidAsync(Request("POST", cookie, otherToken))).ShouldBeFalse();
        (await antiforgery.IsRequestValidAsync(Request("POST", cookie, token + "x"))).ShouldBeFalse();
        (await antiforgery.IsRequestValidAsync(Request("POST", cookie))).ShouldBeFalse();
        (await antiforgery.IsRequestValidAsync(Request("POST", null, token))).ShouldBeFalse();
        framework.Checked.ShouldBe(6);
        // Refusals are not remembered as acceptances.
        (await antiforgery.IsRequestValidAsync(Request("POST", otherCookie, token))).ShouldBeFalse();
        framework.Checked.ShouldBe(7);
    }

    [Fact]
    public async Task SignedInUser_AlwaysGoesToTheFramework()
    {
        var (cookie, _) = FirstVisit();
        var tokens = antiforgery.GetAndStoreTokens(Request("GET", cookie, signedIn: true));
        antiforgery.GetAndStoreTokens(Request("GET", cookie, signedIn: true));
        framework.Issued.ShouldBe(3);

        (await antiforgery.IsRequestValidAsync(Request("POST", cookie, tokens.RequestToken, signedIn: true))).ShouldBeTrue();
        (await antiforgery.IsRequestValidAsync(Request("POST", cookie, tokens.RequestToken, signedIn: true))).ShouldBeTrue();
        framework.Checked.ShouldBe(2);
        // A token issued to a signed-in user is not valid for an anonymous request with the same cookie.
        (await antiforgery.IsRequestValidAsync(Request("POST", cookie, tokens.RequestToken))).ShouldBeFalse();
    }
}
