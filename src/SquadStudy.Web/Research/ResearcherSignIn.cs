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

    /// <summary>
    /// Longer passwords are refused unhashed: PBKDF2 hashes the password once per iteration, so a
    /// megabyte-long one would cost the CPU far more than a real password does.
    /// </summary>
    public const int MaxPasswordLength = 1024;

    public async Task<SignInResult> SignInAsync(string email, string password, CancellationToken cancellationToken = default)
    {
        var normalized = ResearcherAccounts.Normalize(email);
        var researcher = await db.Researchers.SingleOrDefaultAsync(r => r.NormalizedEmail == normalized, cancellationToken);
        if (researcher is null)
        {
            VerifyDummy(password);
            return new SignInResult(null);
        }

        var now = time.GetUtcNow().UtcDateTime;
        var max = options.Value.MaxFailedAttempts;
        // Each attempt first takes one of the account's MaxFailedAttempts slots in one conditional
        // UPDATE, before the password is verified: parallel guesses cannot read the same count and
        // all get through, so at most MaxFailedAttempts passwords are ever tried before the lockout.
        var slot = await db.Researchers
            .Where(r => r.Id == researcher.Id && (r.LockoutEndUtc == null || r.LockoutEndUtc <= now) && r.FailedLoginCount < max)
            .ExecuteUpdateAsync(r => r.SetProperty(x => x.FailedLoginCount, x => x.FailedLoginCount + 1), cancellationToken);
        if (slot == 0)
        {
            // Locked, or every slot taken by attempts still in flight. Costs a verification like any
            // other failure, so the time taken does not tell a locked account from an unknown e-mail.
            VerifyDummy(password);
            return new SignInResult(null);
        }
        var verdict = password.Length > MaxPasswordLength
            ? PasswordVerificationResult.Failed
            : hasher.VerifyHashedPassword(researcher, researcher.PasswordHash, password);
        if (verdict == PasswordVerificationResult.Failed)
        {
            // The attempt that used the last slot starts the lockout and frees the slots for after it.
            var lockoutEnd = now.AddMinutes(options.Value.LockoutMinutes);
            await db.Researchers
                .Where(r => r.Id == researcher.Id && r.FailedLoginCount >= max)
                .ExecuteUpdateAsync(r => r
                    .SetProperty(x => x.LockoutEndUtc, lockoutEnd)
                    .SetProperty(x => x.FailedLoginCount, 0), cancellationToken);
            return new SignInResult(null);
        }

        if (verdict == PasswordVerificationResult.SuccessRehashNeeded)
        {
            // The hash was made with older parameters (fewer iterations or an older format): upgrade it now.
            researcher.PasswordHash = hasher.HashPassword(researcher, password);
            await db.SaveChangesAsync(cancellationToken);
        }
        // In SQL, not through the tracked entity: its count is the one read before the slot was taken.
        await db.Researchers.Where(r => r.Id == researcher.Id).ExecuteUpdateAsync(r => r
            .SetProperty(x => x.FailedLoginCount, 0)
            .SetProperty(x => x.LockoutEndUtc, (DateTime?)null)
            .SetProperty(x => x.LastLoginUtc, (DateTime?)now), cancellationToken);

        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.Name, researcher.Email),
                new Claim(ResearcherPolicy.ClaimType, researcher.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                new Claim(ResearcherPolicy.StampClaimType, researcher.SecurityStamp),
                new Claim(ResearcherPolicy.SignedInClaimType, new DateTimeOffset(now, TimeSpan.Zero).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ],
            Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationDefaults.AuthenticationScheme);
        return new SignInResult(new ClaimsPrincipal(identity));
    }

    private void VerifyDummy(string password)
    {
        if (password.Length <= MaxPasswordLength)
        {
            hasher.VerifyHashedPassword(new Researcher { Email = "", NormalizedEmail = "", PasswordHash = "" }, DummyHash.Value, password);
        }
    }
}
