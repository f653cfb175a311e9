using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SquadStudy.Data;
using SquadStudy.Data.Entities;
using SquadStudy.Web.Infrastructure;

namespace SquadStudy.Web.Research;

/// <summary>Bound from <c>Research:Login</c>: how many failures lock an account, and for how long.</summary>
public sealed class LoginThrottleOptions
{
    public const string Section = "Research:Login";

    public int MaxFailedAttempts { get; set; } = 5;

    public int LockoutMinutes { get; set; } = 15;
}

/// <summary>The outcome of a sign-in attempt. The page shows one message for every failure.</summary>
public sealed record SignInResult(ClaimsPrincipal? Principal)
{
    public bool Succeeded => Principal is not null;
}

/// <summary>
/// Checks a researcher's e-mail and password and throttles guessing: after
/// <see cref="LoginThrottleOptions.MaxFailedAttempts"/> failures in a row the account is locked for
/// <see cref="LoginThrottleOptions.LockoutMinutes"/>, during which even the right password fails.
/// An unknown e-mail costs one hash verification too, so response time does not reveal which
/// e-mails have accounts.
/// </summary>
public sealed class ResearcherSignIn(
    SquadStudyDbContext db,
    IPasswordHasher<Researcher> hasher,
    IOptions<LoginThrottleOptions> options,
    TimeProvider time)
{
    /// <summary>A hash of a random password, verified when the e-mail is unknown (see the class comment).</summary>
    private static readonly Lazy<string> DummyHash = new(() =>
        new PasswordHasher<Researcher>().HashPassword(
            new Researcher { Email = "", NormalizedEmail = "", PasswordHash = "" },
            Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16))));

    public async Task<SignInResult> SignInAsync(string email, string password, CancellationToken cancellationToken = default)
    {
        var normalized = ResearcherAccounts.Normalize(email);
        var researcher = await db.Researchers.SingleOrDefaultAsync(r => r.NormalizedEmail == normalized, cancellationToken);
        if (researcher is null)
        {
            hasher.VerifyHashedPassword(new Researcher { Email = "", NormalizedEmail = "", PasswordHash = "" }, DummyHash.Value, password);
            return new SignInResult(null);
        }

        var now = time.GetUtcNow().UtcDateTime;
        var locked = researcher.LockoutEndUtc is { } end && end > now;
        var verdict = hasher.VerifyHashedPassword(researcher, researcher.PasswordHash, password);
        if (locked)
        {
            return new SignInResult(null);
        }
        if (verdict == PasswordVerificationResult.Failed)
        {
            researcher.FailedLoginCount++;
            if (researcher.FailedLoginCount >= options.Value.MaxFailedAttempts)
            {
                researcher.LockoutEndUtc = now.AddMinutes(options.Value.LockoutMinutes);
                researcher.FailedLoginCount = 0;
            }
            await db.SaveChangesAsync(cancellationToken);
            return new SignInResult(null);
        }

        if (verdict == PasswordVerificationResult.SuccessRehashNeeded)
        {
            // The hash was made with older parameters (fewer iterations or an older format): upgrade it now.
            researcher.PasswordHash = hasher.HashPassword(researcher, password);
        }
        researcher.FailedLoginCount = 0;
        researcher.LockoutEndUtc = null;
        researcher.LastLoginUtc = now;
        await db.SaveChangesAsync(cancellationToken);

        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.Name, researcher.Email),
                new Claim(ResearcherPolicy.ClaimType, researcher.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ],
            Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationDefaults.AuthenticationScheme);
        return new SignInResult(new ClaimsPrincipal(identity));
    }
}
