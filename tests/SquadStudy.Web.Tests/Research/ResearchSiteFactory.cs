using System.Net;
using AngleSharp.Html.Parser;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using SquadStudy.Testing;

namespace SquadStudy.Web.Tests.Research;

/// <summary>A clock the tests move by hand (lockout expiry).</summary>
public sealed class ManualClock : TimeProvider
{
    public DateTimeOffset Now { get; set; } = new(2026, 11, 22, 9, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => Now;
}

/// <summary>
/// The site on a throw-away SQLite file and data directory, with one researcher account seeded from
/// configuration (<c>Admin:Email</c>, <c>Admin:Password</c>) as in production.
/// </summary>
public sealed class ResearchSiteFactory() : SiteFactory(new SiteOptions
{
    // WebApplicationFactory's own default, which these tests have always run in.
    Environment = "Development",
    Admin = (Email, Password),
    // Sign-out-everywhere tests check the very next request: no cached security stamp.
    Settings = new Dictionary<string, string?> { ["Research:Session:StampCacheSeconds"] = "0" },
})
{
    public const string Email = "lead@example.org";
    public const string Password = "correct horse battery staple";

    public ManualClock Clock { get; } = new();

    /// <summary>A PostgreSQL database to use instead of the SQLite file.</summary>
    public string? PostgresConnectionString { get; init; }

    /// <summary>Extra service registrations, applied after the site's own (test doubles win).</summary>
    public Action<IServiceCollection>? TestServices { get; init; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        if (PostgresConnectionString is not null)
        {
            builder.UseSetting("ConnectionStrings:SquadStudy", PostgresConnectionString);
        }
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<TimeProvider>(Clock);
            TestServices?.Invoke(services);
        });
    }

    public HttpClient CreateBrowserlessClient() => CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    /// <summary>A client signed in as the seeded researcher.</summary>
    public async Task<HttpClient> SignedInClientAsync()
    {
        var client = CreateBrowserlessClient();
        var response = await PostLoginAsync(client, Email, Password);
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect, await response.Content.ReadAsStringAsync());
        return client;
    }

    /// <summary>Posts the login form as a browser would: antiforgery token from the page, cookies kept by the client.</summary>
    public static async Task<HttpResponseMessage> PostLoginAsync(HttpClient client, string email, string password, string? returnUrl = null)
    {
        var token = await AntiforgeryTokenAsync(client, "/research/login");
        var fields = new Dictionary<string, string>
        {
            ["Input.Email"] = email,
            ["Input.Password"] = password,
            ["__RequestVerificationToken"] = token,
        };
        if (returnUrl is not null)
        {
            fields["ReturnUrl"] = returnUrl;
        }
        return await client.PostAsync("/research/login", new FormUrlEncodedContent(fields));
    }

    public static async Task<string> AntiforgeryTokenAsync(HttpClient client, string path)
    {
        var html = await client.GetStringAsync(path);
        var document = new HtmlParser().ParseDocument(html);
        var input = document.QuerySelector("input[name=__RequestVerificationToken]");
        input.ShouldNotBeNull($"{path} has no antiforgery token");
        return input.GetAttribute("value")!;
    }
}
