using System.Globalization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using SquadStudy.Data;
using SquadStudy.Web.Infrastructure;

namespace SquadStudy.Web.Research;

/// <summary>Bound from <c>Research:Session</c>.</summary>
public sealed class ResearcherSessionOptions
{
    public const string Section = "Research:Session";

    /// <summary>A session ends this long after sign-in, however active (the cookie itself slides over 8 hours of inactivity).</summary>
    public double AbsoluteHours { get; set; } = 24;

    /// <summary>How long an account's security stamp is reused between requests: a sign-out everywhere reaches every instance within it.</summary>
    public double StampCacheSeconds { get; set; } = 30;
}

/// <summary>
/// Checks every researcher cookie (the cookie handler's OnValidatePrincipal): the account still
/// exists and has the security stamp the cookie was issued with, and the session is younger than
/// its absolute lifetime. Otherwise the cookie is rejected and deleted.
/// </summary>
public static class ResearcherSessions
{
    public static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var services = context.HttpContext.RequestServices;
        var options = services.GetRequiredService<IOptions<ResearcherSessionOptions>>().Value;
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var principal = context.Principal;
        var stamp = principal?.FindFirst(ResearcherPolicy.StampClaimType)?.Value;
        if (principal is null
            || stamp is null
            || !long.TryParse(principal.FindFirst(ResearcherPolicy.ClaimType)?.Value, CultureInfo.InvariantCulture, out var id)
            || !long.TryParse(principal.FindFirst(ResearcherPolicy.SignedInClaimType)?.Value, CultureInfo.InvariantCulture, out var signedIn)
            || now - DateTimeOffset.FromUnixTimeSeconds(signedIn) > TimeSpan.FromHours(options.AbsoluteHours)
            || await CurrentStampAsync(services, id, options) != stamp)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        }
    }

    /// <summary>The account's stamp, null when the account is gone; briefly cached (one indexed read per account and interval otherwise).</summary>
    private static async Task<string?> CurrentStampAsync(IServiceProvider services, long id, ResearcherSessionOptions options)
    {
        var cache = services.GetRequiredService<IMemoryCache>();
        var key = ("researcher-stamp", id);
        if (options.StampCacheSeconds > 0 && cache.TryGetValue(key, out string? cached))
        {
            return cached;
        }
        var db = services.GetRequiredService<SquadStudyDbContext>();
        var stamp = await db.Researchers.AsNoTracking().Where(r => r.Id == id).Select(r => r.SecurityStamp).FirstOrDefaultAsync();
        if (options.StampCacheSeconds > 0)
        {
            cache.Set(key, stamp, TimeSpan.FromSeconds(options.StampCacheSeconds));
        }
        return stamp;
    }
}
