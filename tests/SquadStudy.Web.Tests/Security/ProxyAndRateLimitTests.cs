using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using SquadStudy.Testing;

namespace SquadStudy.Web.Tests.Security;

/// <summary>The site behind a TLS proxy at 10.0.0.5 (configured as trusted), HSTS on.</summary>
public sealed class ProxiedSiteFactory : SquadStudyWebFactory
{
    public const string Proxy = "10.0.0.5";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Security:KnownProxies:0", Proxy);
        builder.UseSetting("Security:Hsts", "true");
        builder.UseSetting("Security:RateLimits:LoginPerMinute", "2");
        builder.UseSetting("Security:RateLimits:EnrolmentPerMinute", "2");
    }

    /// <summary>One request as it arrives from <paramref name="from"/>, forwarded from a public HTTPS client when <paramref name="forwarded"/>.</summary>
    public Task<HttpContext> SendAsync(string method, string pathAndQuery, string from, bool forwarded, string forwardedFor = "203.0.113.7", bool researcher = false) =>
        Server.SendAsync(context =>
        {
            context.Request.Method = method;
            var query = pathAndQuery.IndexOf('?');
            context.Request.Path = query < 0 ? pathAndQuery : pathAndQuery[..query];
            context.Request.QueryString = query < 0 ? QueryString.Empty : new QueryString(pathAndQuery[query..]);
            context.Connection.RemoteIpAddress = IPAddress.Parse(from);
            if (forwarded)
            {
                context.Request.Headers["X-Forwarded-For"] = forwardedFor;
                context.Request.Headers["X-Forwarded-Proto"] = "https";
                context.Request.Headers["X-Forwarded-Host"] = "study.example.org";
            }
            if (researcher)
            {
                context.Request.Headers[TestResearcherAuthentication.Header] = "1";
            }
            if (method == "POST")
            {
                context.Request.ContentType = "application/x-www-form-urlencoded";
            }
        });
}

public sealed class ProxyAndRateLimitTests(ProxiedSiteFactory site) : IClassFixture<ProxiedSiteFactory>
{
    [Fact]
    public async Task TrustedProxy_PublicSchemeAndHost_InRedirects_SecureCookies_Hsts()
    {
        var redirect = await site.SendAsync("GET", "/research", ProxiedSiteFactory.Proxy, forwarded: true);
        var login = await site.SendAsync("GET", "/research/login", ProxiedSiteFactory.Proxy, forwarded: true);

        redirect.Response.StatusCode.ShouldBe(StatusCodes.Status302Found);
        redirect.Response.Headers.Location.ToString().ShouldStartWith("https://study.example.org/research/login");
        login.Response.Headers.StrictTransportSecurity.ToString().ShouldContain("max-age=");
        var cookies = login.Response.Headers.SetCookie.ToArray();
        cookies.ShouldNotBeEmpty();
        cookies.ShouldAllBe(c => c!.Contains("secure", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task TrustedProxy_DashboardLinks_UseThePublicOrigin()
    {
        var study = await site.AddStudyAsync(new TestStudyBuilder { Slug = "links-" + Guid.NewGuid().ToString("N")[..8] });

        var dashboard = await site.SendAsync("GET", $"/research/studies/{study.Slug}", ProxiedSiteFactory.Proxy, forwarded: true, researcher: true);

        dashboard.Response.StatusCode.ShouldBe(StatusCodes.Status200OK);
        var html = await new StreamReader(dashboard.Response.Body).ReadToEndAsync();
        html.ShouldContain($"https://study.example.org/s/{study.Slug}?PROLIFIC_PID=");
        html.ShouldNotContain("http://localhost/s/");
    }

    [Fact]
    public async Task UntrustedSender_ForwardedHeadersIgnored()
    {
        var redirect = await site.SendAsync("GET", "/research", "10.0.0.9", forwarded: true);
        var login = await site.SendAsync("GET", "/research/login", "10.0.0.9", forwarded: true);

        redirect.Response.Headers.Location.ToString().ShouldStartWith("http://localhost/research/login");
        login.Response.Headers.ContainsKey("Strict-Transport-Security").ShouldBeFalse();
        login.Response.Headers.SetCookie.ToArray().ShouldAllBe(c => !c!.Contains("secure", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task MturkStudyBehindTls_CookiesAreSameSiteNone_AndPartitioned()
    {
        var study = await site.AddStudyAsync(new TestStudyBuilder { Slug = "framed-" + Guid.NewGuid().ToString("N")[..8], Redirect = "mturk" });

        var consent = await site.SendAsync("GET", $"/s/{study.Slug}?workerId=W1&assignmentId=A1&hitId=H1", ProxiedSiteFactory.Proxy, forwarded: true);

        consent.Response.StatusCode.ShouldBe(StatusCodes.Status200OK);
        var cookies = consent.Response.Headers.SetCookie.ToArray();
        cookies.ShouldNotBeEmpty();
        cookies.ShouldAllBe(c => c!.Contains("samesite=none", StringComparison.OrdinalIgnoreCase) && c.Contains("secure", StringComparison.OrdinalIgnoreCase));
        // CHIPS: accepted in the frame even where third-party cookies are blocked (the browser test completes a HIT so).
        cookies.ShouldAllBe(c => c!.Split(';').Any(attribute => attribute.Trim() == "Partitioned"));
    }

    [Fact]
    public async Task Login_RateLimitedPerForwardedClient_429WithRetryAfter()
    {
        // Behind the proxy the limit applies to the client the proxy names, not to the proxy.
        var first = await site.SendAsync("POST", "/research/login", ProxiedSiteFactory.Proxy, forwarded: true, forwardedFor: "198.51.100.1");
        var second = await site.SendAsync("POST", "/research/login", ProxiedSiteFactory.Proxy, forwarded: true, forwardedFor: "198.51.100.1");
        var third = await site.SendAsync("POST", "/research/login", ProxiedSiteFactory.Proxy, forwarded: true, forwardedFor: "198.51.100.1");
        var otherClient = await site.SendAsync("POST", "/research/login", ProxiedSiteFactory.Proxy, forwarded: true, forwardedFor: "198.51.100.2");
        var pageStillServed = await site.SendAsync("GET", "/research/login", ProxiedSiteFactory.Proxy, forwarded: true, forwardedFor: "198.51.100.1");

        // Without an antiforgery token the form is refused (400), but each post counts.
        first.Response.StatusCode.ShouldBe(StatusCodes.Status400BadRequest);
        second.Response.StatusCode.ShouldBe(StatusCodes.Status400BadRequest);
        third.Response.StatusCode.ShouldBe(StatusCodes.Status429TooManyRequests);
        int.Parse(third.Response.Headers.RetryAfter.ToString(), System.Globalization.CultureInfo.InvariantCulture).ShouldBeInRange(1, 60);
        otherClient.Response.StatusCode.ShouldBe(StatusCodes.Status400BadRequest);
        pageStillServed.Response.StatusCode.ShouldBe(StatusCodes.Status200OK);
    }

    [Fact]
    public async Task Enrolment_RateLimitedPerClient_AnswersAreNot()
    {
        var study = await site.AddStudyAsync(new TestStudyBuilder { Slug = "limited-" + Guid.NewGuid().ToString("N")[..8] });

        var statuses = new List<int>();
        for (var i = 0; i < 3; i++)
        {
            statuses.Add((await site.SendAsync("POST", $"/s/{study.Slug}", "192.0.2.10", forwarded: false)).Response.StatusCode);
        }
        var answers = await site.SendAsync("POST", $"/s/{study.Slug}/q", "192.0.2.10", forwarded: false);

        statuses[..2].ShouldAllBe(s => s != StatusCodes.Status429TooManyRequests);
        statuses[2].ShouldBe(StatusCodes.Status429TooManyRequests);
        answers.Response.StatusCode.ShouldNotBe(StatusCodes.Status429TooManyRequests);
    }
}
