namespace SquadStudy.Data.Configuration;

/// <summary>
/// Bound from the <c>SquadStudy</c> section: <c>SquadStudy__DataDirectory</c>,
/// <c>SquadStudy__DatabaseProvider</c>, and the connection string <c>ConnectionStrings__SquadStudy</c>.
/// </summary>
public sealed class SquadStudyOptions
{
    public const string Section = "SquadStudy";

    /// <summary>Where the SQLite file, imported packs and precomputed explanations live.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary><c>Sqlite</c> or <c>Postgres</c>; when unset, a connection string with <c>Host=</c> means PostgreSQL.</summary>
    public string? DatabaseProvider { get; set; }
}
