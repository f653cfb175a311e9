using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SquadStudy.Data;
using SquadStudy.Data.Migrations;
using SquadStudy.Testing;

namespace SquadStudy.LoadTest;

/// <summary>Creates the site's database in a data directory and inserts a large open study, before the site starts.</summary>
public static class Seeder
{
    /// <param name="database">A PostgreSQL connection string (instances on one database); null: the SQLite file in the data directory.</param>
    public static ServiceProvider Services(string dataDirectory, string? database = null)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["SquadStudy:DataDirectory"] = Path.GetFullPath(dataDirectory),
                [$"ConnectionStrings:{DataServiceCollectionExtensions.ConnectionStringName}"] = database,
            })
            .Build();
        var settings = DataServiceCollectionExtensions.ResolveDatabase(configuration, Directory.GetCurrentDirectory());
        return new ServiceCollection().AddLogging(l => l.SetMinimumLevel(LogLevel.Warning)).AddSquadStudyData(settings).BuildServiceProvider();
    }

    public static async Task SeedAsync(string dataDirectory, string slug, int questions, string? database = null)
    {
        await using var services = Services(dataDirectory, database);
        await using var scope = services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<SchemaMigrator>().MigrateAsync();
        var db = scope.ServiceProvider.GetRequiredService<SquadStudyDbContext>();
        var settings = scope.ServiceProvider.GetRequiredService<DatabaseSettings>();
        // One stimulus per image and experiment, more images than questions: long plans, balanced pools.
        var perExperiment = questions / 3;
        var study = await new TestStudyBuilder
        {
            Slug = slug,
            Title = "Load test study",
            Images = perExperiment + 20,
            DiscriminationQuestions = questions - 2 * perExperiment,
            TrustQuestions = perExperiment,
            ComparisonQuestions = perExperiment,
            AttentionChecks = [new(10, "Choose \"Neither\".", "Neither")],
        }.BuildAsync(db, ContentStore.For(settings));
        Console.WriteLine($"Seeded study '{study.Slug}' (id {study.Id}) with {questions + 1} positions per participant in {settings.DataDirectory}.");
    }
}
