using Xunit;
namespace SquadStudy.Testing.Results;

/// <summary>
/// The site with the seed report's Table 1 and Table 2 answers (<see cref="PaperTablesSeed"/>) in its SQLite file,
/// seeded once: a class fixture, since seeding 3 600 answers is the slow part of these tests.
/// </summary>
public sealed class PaperTablesSite : SquadStudyWebFactory, IAsyncLifetime
{
    public PaperStudy Paper { get; private set; } = null!;

    /// <summary>The site's database file (the default <c>squadstudy.db</c> in its data directory).</summary>
    public string DatabaseFile => Path.Combine(DataDirectory, "squadstudy.db");

    public async Task InitializeAsync()
    {
        // The first client starts the site, which migrates the schema the seed writes into.
        CreateClient().Dispose();
        Paper = await PaperTablesSeed.SeedAsync(this);
    }

    Task IAsyncLifetime.DisposeAsync() => Task.CompletedTask;
}
