namespace SquadStudy.Data.Entities;

/// <summary>A researcher account. Passwords are stored only as ASP.NET Core PasswordHasher hashes.</summary>
public sealed class Researcher
{
    public long Id { get; set; }
    public required string Email { get; set; }
    /// <summary>Upper-cased, trimmed e-mail: the unique login key.</summary>
    public required string NormalizedEmail { get; set; }
    public required string PasswordHash { get; set; }
    public int FailedLoginCount { get; set; }
    public DateTime? LockoutEndUtc { get; set; }
    public DateTime CreatedUtc { get; set; }
    public DateTime? LastLoginUtc { get; set; }
    /// <summary>Random; every sign-in cookie carries it. A new one (admin reset, sign out everywhere) ends every session.</summary>
    public string SecurityStamp { get; set; } = "";
}
