using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SquadStudy.Web.Infrastructure;

namespace SquadStudy.Testing;

/// <summary>
/// Signs a request in as researcher 1 when it carries the <see cref="Header"/> header, so tests of
/// researcher-only pages need no login page. Added beside (not instead of) the cookie scheme.
/// </summary>
public sealed class TestResearcherAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "TestResearcher";
    public const string Header = "X-Test-Researcher";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.ContainsKey(Header))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }
        var identity = new ClaimsIdentity([new Claim(ResearcherPolicy.ClaimType, "1"), new Claim(ClaimTypes.Name, "test@example.org")], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    /// <summary>Adds the scheme and lets the Researcher policy accept it.</summary>
    public static void Register(IServiceCollection services)
    {
        services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, TestResearcherAuthentication>(SchemeName, _ => { });
        services.PostConfigure<AuthorizationOptions>(o => o.AddPolicy(ResearcherPolicy.Name, new AuthorizationPolicyBuilder(
                Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationDefaults.AuthenticationScheme, SchemeName)
            .RequireAuthenticatedUser().RequireClaim(ResearcherPolicy.ClaimType).Build()));
    }
}
