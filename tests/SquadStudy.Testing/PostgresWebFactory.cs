using Microsoft.AspNetCore.Hosting;
using Xunit;

namespace SquadStudy.Testing;

/// <summary>
/// <see cref="SquadStudyWebFactory"/> on a throw-away PostgreSQL server instead of the SQLite file,
/// so the same participant tests run against both providers' SQL and locking.
/// </summary>
public sealed class PostgresWebFactory : SquadStudyWebFactory, IAsyncLifetime
{
    private PostgresServer? server;
    private string? connectionString;

    public async Task InitializeAsync()
    {
        server = await PostgresServer.StartAsync();
        connectionString = await server.CreateDatabaseAsync("squadstudy");
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("SquadStudy:DatabaseProvider", "Postgres");
        builder.UseSetting("ConnectionStrings:SquadStudy",
            connectionString ?? throw new InvalidOperationException("The PostgreSQL server has not started (InitializeAsync)."));
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        // The site first (it holds connections), then the server.
        await DisposeAsync();
        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }
}
