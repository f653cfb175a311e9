using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using SquadStudy.Data.Entities;

namespace SquadStudy.Data;

/// <summary>Creates researcher accounts; used by start-up seeding and <c>squadstudy admin add</c>.</summary>
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
        var researcher = new Researcher { Email = email, NormalizedEmail = normalized, PasswordHash = "", CreatedUtc = DateTime.UtcNow };
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
}
