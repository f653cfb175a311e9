using Microsoft.Extensions.Configuration;

namespace SquadStudy.Data.Tests;

public sealed class ConfigurationTests
{
    private static DatabaseSettings Resolve(params (string Key, string? Value)[] values)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value)))
            .Build();
        return DataServiceCollectionExtensions.ResolveDatabase(configuration, "/srv/app");
    }

    [Fact]
    public void ResolveDatabase_NothingConfigured_UsesSqliteFileInTheDataDirectory()
    {
        var settings = Resolve();

        settings.Provider.ShouldBe(DatabaseProvider.Sqlite);
        settings.DataDirectory.ShouldBe("/srv/app/data");
        settings.ConnectionString.ShouldContain("/srv/app/data/squadstudy.db");
    }

    [Fact]
    public void ResolveDatabase_DataDirectorySetAbsolute_PutsTheDatabaseThere()
    {
        var settings = Resolve(("SquadStudy:DataDirectory", "/var/lib/squadstudy"));

        settings.DataDirectory.ShouldBe("/var/lib/squadstudy");
        settings.ConnectionString.ShouldContain("/var/lib/squadstudy/squadstudy.db");
    }

    [Fact]
    public void ResolveDatabase_PostgresConnectionString_ChoosesPostgres()
    {
        var settings = Resolve(("ConnectionStrings:SquadStudy", "Host=db;Username=u;Password=p;Database=squadstudy"));

        settings.Provider.ShouldBe(DatabaseProvider.Postgres);
        settings.ConnectionString.ShouldBe("Host=db;Username=u;Password=p;Database=squadstudy");
    }

    [Fact]
    public void ResolveDatabase_PostgresWithoutConnectionString_FailsClearly()
    {
        var error = Should.Throw<InvalidOperationException>(() => Resolve(("SquadStudy:DatabaseProvider", "Postgres")));
        error.Message.ShouldContain("ConnectionStrings:SquadStudy");
    }

    [Fact]
    public void ResolveDatabase_UnknownProvider_FailsClearly()
    {
        var error = Should.Throw<InvalidOperationException>(() => Resolve(("SquadStudy:DatabaseProvider", "oracle")));
        error.Message.ShouldContain("oracle");
    }

    [Fact]
    public void ToSnakeCase_MapsPropertyNamesToTheScriptsColumnNames()
    {
        SquadStudyDbContext.ToSnakeCase("ModelAId").ShouldBe("model_a_id");
        SquadStudyDbContext.ToSnakeCase("Top5Json").ShouldBe("top5_json");
        SquadStudyDbContext.ToSnakeCase("OnnxSha256").ShouldBe("onnx_sha256");
        SquadStudyDbContext.ToSnakeCase("Id").ShouldBe("id");
    }
}
