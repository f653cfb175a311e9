using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SquadStudy.Data;

namespace SquadStudy.Studies;

public static class StudiesServiceCollectionExtensions
{
    /// <summary>
    /// Registers pack import, precomputation and the study lifecycle. Needs
    /// <see cref="DataServiceCollectionExtensions.AddSquadStudyData"/> and an
    /// <see cref="Engine.IExplanationEngine"/> registration.
    /// </summary>
    public static IServiceCollection AddStudyServices(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => ContentStore.For(sp.GetRequiredService<DatabaseSettings>()));
        services.AddScoped<StudyImporter>();
        services.AddScoped<StudyLifecycle>();
        services.AddSingleton<Precomputer>();
        services.AddSingleton<PrecomputeQueue>();
        services.AddSingleton<StoredMetrics>();
        return services;
    }
}
