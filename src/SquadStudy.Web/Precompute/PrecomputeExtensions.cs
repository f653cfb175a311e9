using SquadStudy.Data.Configuration;
using SquadStudy.Studies;
using SquadStudy.Studies.Engine;
using SquadStudy.Web.Research;

namespace SquadStudy.Web.Precompute;

public static class PrecomputeExtensions
{
    /// <summary>Registers pack import, the explanation engine, the precompute worker and the first-run demo seeder (run by <see cref="Infrastructure.StartupTasks"/>).</summary>
    public static WebApplicationBuilder AddPrecompute(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<DemoStudyOptions>().BindConfiguration(SquadStudyOptions.Section);
        builder.Services.AddSingleton<IExplanationEngine, SquadStudyEngine>();
        builder.Services.AddStudyServices();
        builder.Services.AddSingleton<PrecomputeSignal>();
        builder.Services.AddOptions<PrecomputeLeaseOptions>().BindConfiguration($"{SquadStudyOptions.Section}:PrecomputeLease");
        builder.Services.AddScoped<IStudyImporter, PackImportService>();
        var options = builder.Configuration.GetSection(SquadStudyOptions.Section).Get<DemoStudyOptions>() ?? new DemoStudyOptions();
        if (options.RunPrecompute)
        {
            builder.Services.AddHostedService<PrecomputeWorker>();
        }
        builder.Services.AddSingleton<DemoStudySeeder>();
        return builder;
    }
}
