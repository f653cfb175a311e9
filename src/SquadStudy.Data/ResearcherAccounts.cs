using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using SquadStudy.Data.Entities;

namespace SquadStudy.Data;

/// <summary>
/// Creates, removes and resets researcher accounts; used by start-up seeding and <c>squadstudy admin</c>.
/// A reset password or a sign-out everywhere gives the account a new security stamp, which ends
/// every session signed in before (the site checks each cookie's stamp against the account).
/// </summary>
public sealed class ResearcherAccounts(SquadStudyDbContext db, IPasswordHasher<Researcher> hasher)
{
    public const int MinimumPasswordLength = 12;

    public static string Normalize(string email) => email.Trim().ToUpperInvariant();

    /// <summary>Adds an account; returns false when the e-mail is already registered.</summary>
    public async Task<bool> AddAsync(string email, string password, CancellationToken cancellationToken = default)
    {
        email = email.Trim();
        if (email.Length is 0 or > 254 || !email.Contains('@', StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{email}' is not an e-mail address.", nameof(email));
        }
        if (password.Length < MinimumPasswordLength)
        {
            throw new ArgumentException($"A researcher password needs at least {MinimumPasswordLength} characters.", nameof(password));
        }
        var normalized = Normalize(email);
        if (await db.Researchers.AnyAsync(r => r.NormalizedEmail == normalized, cancellationToken))
        {
            return false;
        }
        var researcher = new Researcher { Email = email, NormalizedEmail = normalized, PasswordHash = "", CreatedUtc = DateTime.UtcNow, SecurityStamp = NewSecurityStamp() };
        researcher.PasswordHash = hasher.HashPassword(researcher, password);
        db.Researchers.Add(researcher);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            db.Entry(researcher).State = EntityState.Detached;
            if (await db.Researchers.AsNoTracking().AnyAsync(r => r.NormalizedEmail == normalized, cancellationToken))
            {
                // Another instance created the same account at the same moment: the unique index kept one.
                return false;
            }
            throw;
        }
        return true;
    }

    /// <summary>Deletes the account (its sessions end with it); false when there is none for the e-mail.</summary>
    public async Task<bool> RemoveAsync(string email, CancellationToken cancellationToken = default)
    {
        var normalized = Normalize(email);
        return await db.Researchers.Where(r => r.NormalizedEmail == normalized).ExecuteDeleteAsync(cancellationToken) > 0;
    }

    /// <summary>Sets a new password, lifts a lockout and ends every session; false when there is no account for the e-mail.</summary>
    public async Task<bool> ResetPasswordAsync(string email, string password, CancellationToken cancellationToken = default)
    {
        if (password.Length < MinimumPasswordLength)
        {
            throw new ArgumentException($"A researcher password needs at least {MinimumPasswordLength} characters.", nameof(password));
        }
        var normalized = Normalize(email);
        var researcher = await db.Researchers.SingleOrDefaultAsync(r => r.NormalizedEmail == normalized, cancellationToken);
        if (researcher is null)
        {
            return false;
        }
        researcher.PasswordHash = hasher.HashPassword(researcher, password);
        researcher.FailedLoginCount = 0;
        researcher.LockoutEndUtc = null;
        researcher.SecurityStamp = NewSecurityStamp();
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    /// <summary>Ends every session of the account (a new security stamp); false when there is no account for the e-mail.</summary>
    public async Task<bool> SignOutEverywhereAsync(string email, CancellationToken cancellationToken = default)
    {
        var normalized = Normalize(email);
        var stamp = NewSecurityStamp();
        return await db.Researchers.Where(r => r.NormalizedEmail == normalized)
            .ExecuteUpdateAsync(r => r.SetProperty(x => x.SecurityStamp, stamp), cancellationToken) > 0;
    }

    public static string NewSecurityStamp() => Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
}
