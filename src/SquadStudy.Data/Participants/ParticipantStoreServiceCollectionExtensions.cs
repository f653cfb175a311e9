using Microsoft.Extensions.DependencyInjection;

namespace SquadStudy.Data.Participants;

public static class ParticipantStoreServiceCollectionExtensions
{
    /// <summary>
    /// The participant store of the configured provider: on SQLite the single writer (a hosted
    /// service: it owns a thread) and the kept read connections, on PostgreSQL a store per request
    /// on the request's DbContext. Only the chosen provider's services are registered.
    /// </summary>
    public static IServiceCollection AddParticipantStore(this IServiceCollection services, DatabaseSettings settings)
    {
        if (settings.Provider == DatabaseProvider.Sqlite)
        {
            services.AddSingleton<SqliteWriteQueue>();
            services.AddHostedService(provider => provider.GetRequiredService<SqliteWriteQueue>());
            services.AddSingleton<SqliteReadPool>();
            services.AddSingleton<IParticipantStore, SqliteParticipantStore>();
        }
        else
        {
            services.AddScoped<IParticipantStore, PostgresParticipantStore>();
        }
        return services;
    }
}
