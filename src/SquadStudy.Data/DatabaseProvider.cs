using Microsoft.EntityFrameworkCore;

namespace SquadStudy.Data;

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

public static class DatabaseProviders
{
    public static DatabaseProvider Of(DbContext db) =>
        db.Database.ProviderName switch
        {
            "Microsoft.EntityFrameworkCore.Sqlite" => DatabaseProvider.Sqlite,
            "Npgsql.EntityFrameworkCore.PostgreSQL" => DatabaseProvider.Postgres,
            var other => throw new NotSupportedException($"Database provider '{other}' is not supported."),
        };
}
